import SMSCore
import Crypto
import Foundation

/// How a gateway proves to an edge that it holds the edge's token without ever sending it, and signs every push.
///
/// The upgrade request carries `Authorization: SMS-Push t=<ms>,n=<nonce>,mac=<hex>` with
/// mac = HMAC-SHA256(token, "sms-push\n<t>\n<n>"): the edge refuses a time more than a minute off its clock and
/// a nonce it has seen, so a recorded request cannot be replayed. Each message then travels as
/// `<counter> <mac>\n<payload>`, mac = HMAC-SHA256(HMAC-SHA256(token, "sms-push-session\n<n>"), "<counter>\n" +
/// payload), counters 1, 2, 3…: a message replayed, reordered, injected or altered on the way closes the push.
enum PushSignature {
    /// How far a push's time may be from the edge's clock.
    static let windowMs: Int64 = 60_000

    struct Credentials: Equatable {
        var timeMs: Int64
        var nonce: String
        var mac: [UInt8]
    }

    /// The `Authorization` header value for a new push connection.
    static func header(token: String, nowMs: Int64, nonce: String = randomNonce()) -> String {
        "SMS-Push t=\(nowMs),n=\(nonce),mac=\(hex(handshakeMAC(token: token, timeMs: nowMs, nonce: nonce)))"
    }

    static func randomNonce() -> String {
        hex((0..<16).map { _ in UInt8.random(in: 0...255) })
    }

    static func parse(_ header: String) -> Credentials? {
        guard header.hasPrefix("SMS-Push "), header.utf8.count < 256 else { return nil }
        var fields: [Substring: Substring] = [:]
        for part in header.dropFirst("SMS-Push ".count).split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2 else { return nil }
            fields[pair[0]] = pair[1]
        }
        guard let t = fields["t"].flatMap({ Int64($0) }), let n = fields["n"], n.utf8.count == 32,
            n.allSatisfy(\.isHexDigit), let mac = fields["mac"].flatMap(unhex), mac.count == 32
        else { return nil }
        return Credentials(timeMs: t, nonce: String(n), mac: mac)
    }

    static func handshakeMAC(token: String, timeMs: Int64, nonce: String) -> [UInt8] {
        Array(HMAC<SHA256>.authenticationCode(for: Data("sms-push\n\(timeMs)\n\(nonce)".utf8), using: SymmetricKey(data: Data(token.utf8))))
    }

    /// The key that signs the messages of the connection opened with `nonce`.
    static func sessionKey(token: String, nonce: String) -> SymmetricKey {
        SymmetricKey(data: HMAC<SHA256>.authenticationCode(
            for: Data("sms-push-session\n\(nonce)".utf8), using: SymmetricKey(data: Data(token.utf8))))
    }

    /// `payload` as the message that travels: its counter and MAC on a first line.
    static func seal(_ payload: [UInt8], counter: UInt64, key: SymmetricKey) -> [UInt8] {
        Array("\(counter) \(hex(messageMAC(payload[...], counter: counter, key: key)))\n".utf8) + payload
    }

    /// The payload of a message signed with `key` and numbered `counter`; nil when it is not exactly that.
    static func open(_ message: [UInt8], counter: UInt64, key: SymmetricKey) -> ArraySlice<UInt8>? {
        guard let newline = message.prefix(100).firstIndex(of: UInt8(ascii: "\n")) else { return nil }
        let head = message[..<newline].split(separator: UInt8(ascii: " "))
        guard head.count == 2, String(decoding: head[0], as: UTF8.self) == String(counter),
            let mac = unhex(Substring(String(decoding: head[1], as: UTF8.self)))
        else { return nil }
        let payload = message[(newline + 1)...]
        return ConstantTime.equal(mac, messageMAC(payload, counter: counter, key: key)) ? payload : nil
    }

    private static func messageMAC(_ payload: ArraySlice<UInt8>, counter: UInt64, key: SymmetricKey) -> [UInt8] {
        var hmac = HMAC<SHA256>(key: key)
        hmac.update(data: Data("\(counter)\n".utf8))
        hmac.update(data: Data(payload))
        return Array(hmac.finalize())
    }

    static func hex(_ bytes: some Sequence<UInt8>) -> String {
        bytes.map { String(format: "%02x", $0) }.joined()
    }

    /// The bytes of an even run of hex digits; nil for anything else (signs, spaces, non-ASCII).
    static func unhex(_ text: Substring) -> [UInt8]? {
        let digits = Array(text.utf8)
        guard digits.count % 2 == 0 else { return nil }
        var out: [UInt8] = []
        out.reserveCapacity(digits.count / 2)
        for i in stride(from: 0, to: digits.count, by: 2) {
            guard let high = hexValue(digits[i]), let low = hexValue(digits[i + 1]) else { return nil }
            out.append(high << 4 | low)
        }
        return out
    }

    private static func hexValue(_ c: UInt8) -> UInt8? {
        switch c {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): c - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): c - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): c - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}
