/// Parsers of the cgroup files the containers source reads: pure functions over the bytes, without strings.
enum CgroupStats {
    /// The value of `key` in a flat keyed file (`memory.stat`, `cpu.stat`, `memory.events`, `memory.oom_control`:
    /// lines of `key value`); nil when the key is missing.
    static func value(_ key: StaticString, in bytes: ArraySlice<UInt8>) -> UInt64? {
        var scanner = ProcScanner(bytes)
        while let line = scanner.line() {
            var fields = ProcScanner(line)
            guard let name = fields.token(), name.equals(key) else { continue }
            return fields.uint64()
        }
        return nil
    }

    /// A file holding one number (`memory.usage_in_bytes`, `pids.current`, `cpuacct.usage`); `max` (v2's "no
    /// limit") is nil.
    static func number(_ bytes: ArraySlice<UInt8>) -> UInt64? {
        var scanner = ProcScanner(bytes)
        return scanner.uint64()
    }

    /// Bytes read and written over every device, from v2's `io.stat` (`8:0 rbytes=1 wbytes=2 rios=…`).
    static func ioV2(_ bytes: ArraySlice<UInt8>) -> (read: UInt64, written: UInt64) {
        var read: UInt64 = 0
        var written: UInt64 = 0
        var scanner = ProcScanner(bytes)
        while let line = scanner.line() {
            var fields = ProcScanner(line)
            _ = fields.token()
            while let field = fields.token() {
                guard let equals = field.firstIndex(of: UInt8(ascii: "=")) else { continue }
                let name = field[..<equals]
                let value = ProcScanner.uint64(field[(equals + 1)...]) ?? 0
                if name.equals("rbytes") { read &+= value } else if name.equals("wbytes") { written &+= value }
            }
        }
        return (read, written)
    }

    /// Bytes read and written over every device, from v1's `blkio.throttle.io_service_bytes_recursive`
    /// (`8:0 Read 4096`, `8:0 Write 0`, …, `Total 4096`).
    static func ioV1(_ bytes: ArraySlice<UInt8>) -> (read: UInt64, written: UInt64) {
        var read: UInt64 = 0
        var written: UInt64 = 0
        var scanner = ProcScanner(bytes)
        while let line = scanner.line() {
            var fields = ProcScanner(line)
            guard fields.token() != nil, let op = fields.token(), let value = fields.uint64() else { continue }
            if op.equals("Read") { read &+= value } else if op.equals("Write") { written &+= value }
        }
        return (read, written)
    }

    /// Bytes received and sent on every interface but `lo`, from a network namespace's `/proc/PID/net/dev`.
    static func netDev(_ bytes: ArraySlice<UInt8>) -> (received: UInt64, sent: UInt64)? {
        var received: UInt64 = 0
        var sent: UInt64 = 0
        var scanner = ProcScanner(bytes)
        var any = false
        while let line = scanner.line() {
            guard let colon = line.firstIndex(of: UInt8(ascii: ":")) else { continue }
            var name = ProcScanner(line[..<colon])
            guard let interface = name.token(), !interface.equals("lo") else { continue }
            var counters = ProcScanner(line[(colon + 1)...])
            guard let rx = counters.uint64(), counters.skipTokens(7), let tx = counters.uint64() else { continue }
            received &+= rx
            sent &+= tx
            any = true
        }
        return any ? (received, sent) : nil
    }

    /// The first pid of a `cgroup.procs` listing.
    static func firstPid(_ bytes: ArraySlice<UInt8>) -> Int32? {
        var scanner = ProcScanner(bytes)
        return scanner.uint64().flatMap { Int32(exactly: $0) }
    }
}
