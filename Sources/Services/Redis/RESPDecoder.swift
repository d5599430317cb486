import SMSCore
import NIOCore

/// Decodes RESP2 replies from a byte stream: values split across reads wait for more bytes, many values in one
/// read come out one by one, and malformed input throws (the connection is then closed).
struct RESPDecoder: ByteToMessageDecoder {
    typealias InboundOut = RESPValue

    /// Bounds that keep a broken or hostile peer from making the client allocate without limit.
    struct Limits: Sendable {
        var maxBulkBytes = 512 * 1024 * 1024
        var maxArrayCount = 16 * 1024 * 1024
        var maxLineBytes = 64 * 1024
        var maxDepth = 32
    }

    var limits = Limits()

    mutating func decode(context: ChannelHandlerContext, buffer: inout ByteBuffer) throws -> DecodingState {
        guard let value = try Self.parse(&buffer, limits: limits) else { return .needMoreData }
        context.fireChannelRead(wrapInboundOut(value))
        return .continue
    }

    mutating func decodeLast(context: ChannelHandlerContext, buffer: inout ByteBuffer, seenEOF: Bool) throws
        -> DecodingState
    {
        try decode(context: context, buffer: &buffer)
    }

    /// One complete value from the front of `buffer`, consuming it; nil (consuming nothing) when incomplete.
    static func parse(_ buffer: inout ByteBuffer, limits: Limits = Limits()) throws(RESPProtocolError) -> RESPValue? {
        var cursor = buffer
        guard let value = try parseValue(&cursor, limits: limits, depth: 0) else { return nil }
        buffer.moveReaderIndex(to: cursor.readerIndex)
        return value
    }

    private static func parseValue(_ buffer: inout ByteBuffer, limits: Limits, depth: Int) throws(RESPProtocolError)
        -> RESPValue?
    {
        guard let type = buffer.getInteger(at: buffer.readerIndex, as: UInt8.self) else { return nil }
        guard let line = try readLine(&buffer, limits: limits) else { return nil }
        switch type {
        case UInt8(ascii: "+"): return .simpleString(String(buffer: line))
        case UInt8(ascii: "-"): return .error(String(buffer: line))
        case UInt8(ascii: ":"): return .integer(try integer(line, type: "integer"))
        case UInt8(ascii: "$"):
            let length = try integer(line, type: "bulk string length")
            if length == -1 { return .bulkString(nil) }
            guard length >= 0, length <= limits.maxBulkBytes else {
                throw RESPProtocolError("bulk string length \(length) is out of range")
            }
            guard buffer.readableBytes >= Int(length) + 2 else { return nil }
            let payload = buffer.readSlice(length: Int(length))!
            guard buffer.readInteger(as: UInt16.self) == 0x0D0A else {
                throw RESPProtocolError("bulk string of \(length) bytes is not followed by CRLF")
            }
            return .bulkString(payload)
        case UInt8(ascii: "*"):
            let count = try integer(line, type: "array length")
            if count == -1 { return .array(nil) }
            guard count >= 0, count <= limits.maxArrayCount else {
                throw RESPProtocolError("array length \(count) is out of range")
            }
            guard depth < limits.maxDepth else {
                throw RESPProtocolError("arrays nested deeper than \(limits.maxDepth)")
            }
            var elements: [RESPValue] = []
            elements.reserveCapacity(min(Int(count), buffer.readableBytes / 3 + 1))
            for _ in 0..<count {
                guard let element = try parseValue(&buffer, limits: limits, depth: depth + 1) else { return nil }
                elements.append(element)
            }
            return .array(elements)
        default:
            throw RESPProtocolError("unexpected \(describe(type)) where a RESP type byte (+ - : $ *) was expected")
        }
    }

    /// The bytes after the type byte up to CRLF, consuming both; nil when CRLF has not arrived yet.
    private static func readLine(_ buffer: inout ByteBuffer, limits: Limits) throws(RESPProtocolError) -> ByteBuffer? {
        let view = buffer.readableBytesView
        guard let cr = view.firstIndex(of: UInt8(ascii: "\r")) else {
            if view.count > limits.maxLineBytes {
                throw RESPProtocolError("no line end within \(limits.maxLineBytes) bytes")
            }
            return nil
        }
        guard cr + 1 < view.endIndex else { return nil }
        guard view[cr + 1] == UInt8(ascii: "\n") else { throw RESPProtocolError("a CR not followed by LF") }
        let lineLength = cr - view.startIndex
        buffer.moveReaderIndex(forwardBy: 1)
        let line = buffer.readSlice(length: lineLength - 1)!
        buffer.moveReaderIndex(forwardBy: 2)
        return line
    }

    private static func integer(_ line: ByteBuffer, type: String) throws(RESPProtocolError) -> Int64 {
        let text = String(buffer: line)
        guard let value = Int64(text) else {
            throw RESPProtocolError("\(type) \"\(text.prefix(40))\" is not an integer")
        }
        return value
    }

    private static func describe(_ byte: UInt8) -> String {
        let hex = "0x" + String(byte, radix: 16, uppercase: true)
        if byte >= 0x20 && byte < 0x7F { return "byte \(hex) ('\(Character(UnicodeScalar(byte)))')" }
        return "byte \(hex)"
    }
}

/// The server sent bytes that are not RESP2.
struct RESPProtocolError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
