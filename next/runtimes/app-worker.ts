/** bench/runtimes.ts's one-endpoint app as a Worker, the library imported from the package root. */
import { MemberCard, WechatPay } from "effect-wechatpay"
import { worker } from "./app.js"

export default worker({ endpoint: MemberCard.GetUserCard.layer, getUserCard: MemberCard.getUserCard, wechatPayLayer: WechatPay.layer })
