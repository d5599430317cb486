import SMSCore
import NIOCore

/// One argument of a Redis command: text or raw bytes, sent as a binary-safe bulk string.
public struct RESPArg: Sendable, Hashable, ExpressibleByStringInterpolation, ExpressibleByIntegerLiteral {
    enum Storage: Sendable, Hashable {
        case string(String)
        case bytes(ByteBuffer)
    }
    let storage: Storage

    public init(_ string: String) { storage = .string(string) }
    public init(_ bytes: ByteBuffer) { storage = .bytes(bytes) }
    public init(bytes: some Sequence<UInt8>) { storage = .bytes(ByteBuffer(bytes: bytes)) }
    public init(_ integer: some BinaryInteger) { storage = .string(String(integer)) }
    public init(stringLiteral value: String) { storage = .string(value) }
    public init(stringInterpolation: DefaultStringInterpolation) {
        storage = .string(String(stringInterpolation: stringInterpolation))
    }
    public init(integerLiteral value: Int) { storage = .string(String(value)) }

    /// Encoded length of the argument's payload.
    var byteCount: Int {
        switch storage {
        case .string(let s): s.utf8.count
        case .bytes(let b): b.readableBytes
        }
    }

    /// The argument as text, for error messages (the command name); bytes are shown by their size.
    var shown: String {
        switch storage {
        case .string(let s): s
        case .bytes(let b): "<\(b.readableBytes) bytes>"
        }
    }
}
