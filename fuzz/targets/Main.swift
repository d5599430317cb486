#if canImport(Glibc)
    import Glibc
#endif

/// One fuzz target per decoder of untrusted input; `sms-fuzz TARGET [libFuzzer options] [CORPUS…]`.
typealias FuzzTarget = @convention(c) (UnsafePointer<UInt8>?, Int) -> CInt

/// libFuzzer's driver, for a program with its own `main`.
@_silgen_name("LLVMFuzzerRunDriver")
func runDriver(
    _ argc: UnsafeMutablePointer<CInt>, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
    _ target: FuzzTarget
) -> CInt

/// The target chosen on the command line; libFuzzer calls its one entry point for every input.
nonisolated(unsafe) var chosen: FuzzTarget?

@_cdecl("LLVMFuzzerTestOneInput")
func testOneInput(_ data: UnsafePointer<UInt8>?, _ size: Int) -> CInt { chosen?(data, size) ?? 0 }

@main
enum SMSFuzz {
    static let targets: [String: FuzzTarget] = ["spec": fuzzSpec, "batch": fuzzBatch, "push": fuzzPush]

    static func main() {
        var arguments = CommandLine.arguments
        guard arguments.count > 1, let target = targets[arguments[1]] else {
            print("usage: sms-fuzz \(targets.keys.sorted().joined(separator: "|")) [libFuzzer options] [CORPUS…]")
            exit(2)
        }
        chosen = target
        arguments.remove(at: 1)  // libFuzzer sees the program, then its own options and corpus folders
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var argc = CInt(arguments.count)
        let status = argv.withUnsafeMutableBufferPointer { buffer in
            var base = buffer.baseAddress
            return runDriver(&argc, &base, testOneInput)
        }
        exit(status)
    }
}
