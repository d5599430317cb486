import SMSCore
import NIOCore

extension ByteBuffer {
    /// Appends `command` as a RESP array of bulk strings, the form Redis expects from clients.
    @discardableResult
    mutating func writeRESPCommand(_ command: [RESPArg]) -> Int {
        var written = writeStaticString("*")
        written += writeString(String(command.count))
        written += writeStaticString("\r\n")
        for arg in command {
            written += writeStaticString("$")
            written += writeString(String(arg.byteCount))
            written += writeStaticString("\r\n")
            switch arg.storage {
            case .string(let s): written += writeString(s)
            case .bytes(let b): written += writeImmutableBuffer(b)
            }
            written += writeStaticString("\r\n")
        }
        return written
    }

    /// `commands` encoded back to back, ready for one write and one flush.
    static func respCommands(_ commands: [[RESPArg]]) -> ByteBuffer {
        let size = commands.reduce(0) { total, command in
            total + 16 + command.reduce(0) { $0 + $1.byteCount + 16 }
        }
        var buffer = ByteBufferAllocator().buffer(capacity: size)
        for command in commands { buffer.writeRESPCommand(command) }
        return buffer
    }
}
