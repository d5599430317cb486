import Hummingbird
import NIOCore

/// Request context of the gateway's HTTP router: Hummingbird's basics plus the client's address, which login
/// attempts are throttled by.
public struct GatewayRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address; nil when the channel has none (router-mode tests).
    public let remoteAddress: String?

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        remoteAddress = source.channel.remoteAddress?.ipAddress
    }
}
