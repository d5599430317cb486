import ArgumentParser
import Foundation
import Controller
import SMSCore
import Services
import Spec

/// `smsctl render SPEC`: writes the deployment artifacts derived from the spec (deterministic).
struct RenderCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "render",
        abstract: "Write the image, compose files and collector commands derived from a spec.",
        discussion: HelpText.reflow(
            """
            Writes, under --out (default ctrl/):
              Dockerfile                  the single smsctl image
              dev/compose.yaml            the hub stack (+ redis and timescaledb when the spec names them)
              edge/compose.yaml           the edge relays (when the spec has edges)
              collectors/<machine>.sh     the command that starts that machine's collector
              collectors/<machine>.service  a systemd unit for it
            The same spec gives byte-identical files. No secret is written: tokens are read at run time.
            """))

    @Argument(help: "The spec file, e.g. specs/home.yaml.")
    var spec: String

    @Option(help: "Output folder.")
    var out = "ctrl"

    @Flag(help: "Write nothing; exit 1 if any file would change (for CI).")
    var check = false

    func run() throws {
        let loaded = try Bootstrap.loadSpec(spec)
        let files = Renderer.render(spec: loaded, specFile: spec, outDir: out)
        let dir = URL(fileURLWithPath: out)
        if check {
            let stale = files.filter { (try? String(contentsOf: dir.appendingPathComponent($0.path), encoding: .utf8)) != $0.contents }
            for file in stale { print("out of date: \(out)/\(file.path)") }
            if !stale.isEmpty { throw ExitCode(1) }
            print("\(out)/: up to date with \(spec) (\(files.count) files)")
            return
        }
        let changed = try Renderer.write(files, to: dir)
        for file in files {
            print("\(changed.contains(file.path) ? "wrote    " : "unchanged") \(out)/\(file.path)")
        }
        for path in changed where !files.contains(where: { $0.path == path }) { print("removed   \(out)/\(path)") }
        print("\(changed.count) of \(files.count) files changed")
    }
}
