/**
 * Test support: the WeChat Pay emulator (in-process or on 127.0.0.1).
 *
 * @since 0.1.0
 */

/** @since 0.1.0 */
export * as Emulator from "./Emulator.js"
