import NIOCore
import SMSCore

/// A live event as bytes, for Redis pub/sub between processes.
///
/// A batch travels in its one binary form, the wire's self-contained `Batch` message (`Batch.wireBytes()`), so
/// values keep their exact bits (NaN, -0.0, infinities) and there is no second batch codec to keep in step.
///
/// Layout: version byte 2, kind byte (1 batch, 2 connection), then
/// - batch: length (varint), then that many bytes of the wire message;
/// - connection: machine (varint length, UTF-8), connected (u8), at (i64, zigzag varint).
/// Anything left over, missing or of another version is an error.
extension LiveEvent {
    static let codecVersion: UInt8 = 2

    /// The event's bytes.
    public func encoded(allocator: ByteBufferAllocator = ByteBufferAllocator()) -> ByteBuffer {
        var w = ByteWriter()
        w.writeBytes([Self.codecVersion])
        switch self {
        case .batch(let batch):
            let message = batch.wireBytes()
            w.writeBytes([1])
            w.writeVarint(UInt64(message.count))
            w.writeBytes(message)
        case .connection(let machine, let connected, let atMs):
            w.writeBytes([2])
            w.writeVarint(UInt64(machine.utf8.count))
            w.writeBytes(Array(machine.utf8))
            w.writeBytes([connected ? 1 : 0])
            w.writeSignedVarint(atMs)
        }
        var buffer = allocator.buffer(capacity: w.bytes.count)
        buffer.writeBytes(w.bytes)
        return buffer
    }

    /// The event in `bytes`, which must be exactly one encoded event.
    public init(decoding bytes: ByteBuffer) throws(LiveEventCodecError) {
        var r = ByteReader(Array(bytes.readableBytesView))
        do {
            let head = try r.readBytes(2)
            guard head[0] == Self.codecVersion else { throw LiveEventCodecError("unknown event encoding version \(head[0])") }
            switch head[1] {
            case 1:
                let message = try r.readBytes(r.readCount())
                do {
                    self = .batch(try Batch(wireBytes: message))
                } catch {
                    throw LiveEventCodecError("the batch does not decode: \(error)")
                }
            case 2:
                let machine = String(decoding: try r.readBytes(r.readCount(limit: 4096)), as: UTF8.self)
                let connected = try r.readBytes(1)[0] != 0
                self = .connection(machine: machine, connected: connected, atMs: try r.readSignedVarint())
            default:
                throw LiveEventCodecError("unknown event kind \(head[1])")
            }
        } catch let error as LiveEventCodecError {
            throw error
        } catch {
            throw LiveEventCodecError("the event ends early")
        }
        guard r.isAtEnd else { throw LiveEventCodecError("bytes left over after the event") }
    }
}

/// Bytes that are not an encoded live event (another version, or corrupted).
public struct LiveEventCodecError: Error, Sendable, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
