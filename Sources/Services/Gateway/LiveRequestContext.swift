import SMSCore
import Hummingbird
import HummingbirdWebSocket
import NIOCore

/// Request context of the `/ws` upgrade router; keeps the channel so a stalled client can be cut off.
struct LiveRequestContext: RequestContext, WebSocketRequestContext {
    var coreContext: CoreRequestContextStorage
    let webSocket: WebSocketHandlerReference<Self>
    let channel: any Channel

    init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        webSocket = .init()
        channel = source.channel
    }
}
