import SMSCore
import NIOCore

/// One RESP2 reply from Redis.
public enum RESPValue: Sendable, Hashable {
    case simpleString(String)
    /// An error reply (`-ERR …`); `send` and `pipeline` throw it as a ``RedisError`` instead of returning it.
    case error(String)
    case integer(Int64)
    /// A bulk string; nil is RESP's null bulk string (`$-1`), e.g. GET of a missing key.
    case bulkString(ByteBuffer?)
    /// An array; nil is RESP's null array (`*-1`).
    case array([RESPValue]?)
}

extension RESPValue {
    /// The text of a simple or bulk string (bytes read as UTF-8), or an integer's decimal form.
    public var string: String? {
        switch self {
        case .simpleString(let s): s
        case .bulkString(let b?): String(buffer: b)
        case .integer(let i): String(i)
        default: nil
        }
    }

    /// An integer reply, or a bulk/simple string holding a decimal integer.
    public var int: Int64? {
        switch self {
        case .integer(let i): i
        case .simpleString(let s): Int64(s)
        case .bulkString(let b?): Int64(String(buffer: b))
        default: nil
        }
    }

    /// The bytes of a bulk or simple string.
    public var bytes: ByteBuffer? {
        switch self {
        case .bulkString(let b): b
        case .simpleString(let s): ByteBuffer(string: s)
        default: nil
        }
    }

    /// The elements of a non-null array.
    public var array: [RESPValue]? {
        if case .array(let a) = self { return a }
        return nil
    }

    /// True for the null bulk string and the null array.
    public var isNull: Bool {
        switch self {
        case .bulkString(nil), .array(nil): true
        default: false
        }
    }
}
