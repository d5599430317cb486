import SMSCore
import NIOCore

/// A message received on a subscribed pub/sub channel.
public struct RedisMessage: Sendable, Hashable {
    public var channel: String
    public var payload: ByteBuffer

    public init(channel: String, payload: ByteBuffer) {
        self.channel = channel
        self.payload = payload
    }
}
