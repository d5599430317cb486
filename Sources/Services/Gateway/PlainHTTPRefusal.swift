import NIOCore

/// First on a connection to a port that speaks TLS: a TLS ClientHello (its first byte is 0x16, a handshake record)
/// passes on untouched and this handler leaves the pipeline; anything else, e.g. a browser or curl asking for
/// `http://`, gets one plain answer naming the `https://` address, and the connection closes. Nothing of the
/// dashboard or the API is ever served in clear text.
final class PlainHTTPRefusal: ChannelInboundHandler, RemovableChannelHandler {
    typealias InboundIn = ByteBuffer
    typealias OutboundOut = ByteBuffer

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let buffer = unwrapInboundIn(data)
        guard let first = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return }
        if first == 0x16 {
            context.fireChannelRead(data)
            context.pipeline.syncOperations.removeHandler(context: context, promise: nil)
            return
        }
        let body = "This port speaks HTTPS only: open \(Self.httpsAddress(buffer) ?? "it with https://").\n"
        var out = context.channel.allocator.buffer(capacity: 256)
        out.writeString(
            "HTTP/1.1 400 Bad Request\r\nContent-Type: text/plain; charset=utf-8\r\nContent-Length: \(body.utf8.count)\r\n"
                + "Connection: close\r\n\r\n\(body)")
        context.writeAndFlush(wrapOutboundOut(out)).whenComplete { _ in context.close(promise: nil) }
    }

    /// `https://HOST/PATH` from a plain HTTP request's first line and Host header, when they look sane.
    static func httpsAddress(_ buffer: ByteBuffer) -> String? {
        guard let text = buffer.getString(at: buffer.readerIndex, length: min(buffer.readableBytes, 4096)) else { return nil }
        let lines = text.split(separator: "\r\n", omittingEmptySubsequences: false)
        let parts = lines.first?.split(separator: " ") ?? []
        guard parts.count == 3, parts[1].hasPrefix("/") else { return nil }
        let host = lines.dropFirst().first { $0.lowercased().hasPrefix("host:") }
            .map { $0.dropFirst(5).trimmingCharacters(in: .whitespaces) }
        guard let host, !host.isEmpty,
            host.allSatisfy({ $0.isLetter || $0.isNumber || ".-:[]".contains($0) }), parts[1].count <= 200,
            parts[1].allSatisfy({ $0.isASCII && !$0.isWhitespace && $0 != "<" && $0 != ">" && $0 != "\"" })
        else { return nil }
        return "https://\(host)\(parts[1])"
    }
}
