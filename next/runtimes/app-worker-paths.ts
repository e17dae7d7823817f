/** bench/runtimes.ts's one-endpoint app as a Worker, the library imported by module path (the smaller bundle). */
import * as MemberCard from "effect-wechatpay/MemberCard"
import * as WechatPay from "effect-wechatpay/WechatPay"
import { worker } from "./app.js"

export default worker({ endpoint: MemberCard.GetUserCard.layer, getUserCard: MemberCard.getUserCard, wechatPayLayer: WechatPay.layer })
