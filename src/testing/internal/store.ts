/**
 * The state the resources share, one instance per merchant of an emulator (a merchant never sees another's): what one resource writes and another reads (a template
 * must exist before a card is imported into it; a user card belongs to a template), the idempotency keys and the
 * ledger. State only one resource reads stays in that resource, through `Context.local`.
 *
 * @internal
 */
import type { CardState, LedgerEntry } from "./model.js"

/**
 * A card template (会员卡模板) as the emulator keeps it: what other resources rely on. The templates resource may
 * keep more fields (the index signature); readers should use only the named ones.
 */
export interface TemplateState {
  card_id: string
  brand_id: string
  appid?: string
  /** 卡号生成模式 */
  code_mode: "SYSTEM_ALLOCATE" | "MERCHANT_DEPOSIT" | "REAL_TIME"
  /** 卡状态, e.g. `ONGOING`, `PAUSED`, `DELETED` … as the templates resource sets it. */
  status: string
  title?: string
  [field: string]: unknown
}

/** A bonus order (支付后展示积分): `out_trade_no` → which card, how many points, committed yet. */
export interface BonusOrder {
  readonly card: string
  readonly bonus_value: number
  committed: boolean
}

/** The first applied outcome of an idempotent write: repeated when the same request comes again. */
export interface Applied {
  readonly fingerprint: string
  readonly status: number
  readonly body: string
}

/**
 * Something a user or the merchant did that WeChat notifies the merchant of (membercard-api.md §3). A resource emits
 * it when its write is committed (never for a refused or un-applied call); the emulator stamps the time and delivers.
 */
export interface CardEvent {
  readonly event_type: "MEMBERCARD.ACCEPT_CARD" | "MEMBERCARD.ACTIVATE_CARD" | "MEMBERCARD.USERCARD_MANAGE"
  /** The payload's own `event_type` (`NEW_ACTIVATE`, `MEMBER_CARD_ACTIVATE`, `USER_VIEW_MEMBERCARD` …). */
  readonly inner: string
  readonly card_id: string
  readonly code: string
  readonly openid: string
  /** ACTIVATE_CARD: `NEW_ACTIVATE` | `RECOVER`. */
  readonly activate_scene?: string | undefined
  /** When it happened (Unix seconds); the emulator's clock when absent. */
  readonly at?: number | undefined
}

/**
 * State shared by every resource of one emulator, for one merchant (the ledger is the emulator's, all merchants').
 * Plain maps: read and write them synchronously.
 */
export interface Store {
  /** User cards, keyed by `cardKey(card_id, code)`. */
  readonly cards: Map<string, CardState>
  /** Card templates, keyed by `card_id`. */
  readonly templates: Map<string, TemplateState>
  /** Bonus orders, keyed by `out_trade_no`. */
  readonly bonusOrders: Map<string, BonusOrder>
  /** Idempotency keys (`${endpoint}\n${key}`) of applied writes: per merchant, as WeChat scopes them. */
  readonly idempotency: Map<string, Applied>
  /** Every write applied, in order: the emulator's, shared by its merchants (each entry names its `mchid`). */
  readonly ledger: Array<LedgerEntry>
  /** Per-resource private state (see `Context.local`). */
  readonly locals: Map<string, unknown>
  /** Report an event to notify (call it from a write's `change`, so only what is applied is notified). */
  readonly emit: (event: CardEvent) => void
}

export const makeStore = (
  emit: (event: CardEvent) => void = () => {},
  ledger: Array<LedgerEntry> = []
): Store => ({
  emit,
  ledger,
  cards: new Map(),
  templates: new Map(),
  bonusOrders: new Map(),
  idempotency: new Map(),
  locals: new Map()
})

/** The key of a user card in `Store.cards`. */
export const cardKey = (card_id: string, code: string): string => `${card_id}/${code}`
