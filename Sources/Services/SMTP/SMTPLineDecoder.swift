import NIOCore
import Synchronization

/// Splits what an SMTP server sends into lines (CRLF or LF), refusing a line longer than SMTP allows.
struct SMTPLineDecoder: ByteToMessageDecoder {
    typealias InboundOut = String
    /// RFC 5321 caps a reply line at 512 octets; some servers send more, none sends this much.
    static let maximumLine = 8192

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let newline = buffer.readableBytesView.firstIndex(of: UInt8(ascii: "\n")) else {
            if buffer.readableBytes > Self.maximumLine { throw SMTPError("the server sent a line over 8 KiB") }
            return .needMoreData
        }
        var line = buffer.readString(length: newline - buffer.readerIndex) ?? ""
        buffer.moveReaderIndex(forwardBy: 1)
        if line.hasSuffix("\r") { line.removeLast() }
        context.fireChannelRead(Self.wrapInboundOut(line))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        while try decode(context: context, buffer: &buffer) == .continue {}
        return .needMoreData
    }
}

/// Keeps the first error the pipeline saw (a failed TLS handshake, a reset), which a write or read that fails later
/// would otherwise hide behind "the channel is closed".
final class SMTPErrorRecorder: ChannelInboundHandler, Sendable {
    typealias InboundIn = String
    typealias InboundOut = String
    private let first = Mutex<String?>(nil)
    let place: String

    init(place: String) { self.place = place }

    /// The first error, in words; nil when none was seen.
    var firstError: String? { first.withLock { $0 } }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) { context.fireChannelRead(data) }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        let text = SMTPClient.describe(error, place: place)
        first.withLock { if $0 == nil { $0 = text } }
        context.fireErrorCaught(error)
    }
}
