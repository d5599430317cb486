import Foundation
import Yams

/// `machines:` entries, their per-machine alert overrides, and the secrets they name.
extension SpecReader {
    static let machineKeys = [
        "id", "host", "labels", "interval", "buffer", "metrics", "token", "token_file", "alerts", "ssh", "runtime", "image",
        "textfile_dir", "containers",
    ]
    static let overrideKeys = ["warning", "critical", "clear", "enabled"]

    /// Every machine, with `defaults` filled in where the machine says nothing.
    mutating func readMachines(_ node: Node, defaults: Defaults) -> [Machine] {
        if case .sequence(let items) = node, items.isEmpty { error(node, "machines", "list at least one machine") }
        return readList(node, "machines") { $0.readMachine($1, $2, defaults) }
    }

    mutating func readMachine(_ node: Node, _ path: String, _ defaults: Defaults) -> Machine? {
        guard let fields = mapping(node, path, allowed: Self.machineKeys) else { return nil }
        let id = fields.present("id").flatMap { name($0, "\(path).id") }
        let host = fields.present("host").flatMap { line($0, "\(path).host") }
        if fields.present("id") == nil { error(node, path, "missing required key \"id\"") }
        if fields.present("host") == nil { error(node, path, "missing required key \"host\"") }
        var machine = Machine(
            id: id ?? "", host: host ?? "", interval: defaults.interval, buffer: defaults.buffer,
            metrics: defaults.metrics)
        if let n = fields.present("labels") { machine.labels = stringMap(n, "\(path).labels") ?? [:] }
        if let n = fields.present("interval") {
            machine.interval = duration(n, "\(path).interval", bounds: Self.intervalBounds) ?? machine.interval
        }
        if let n = fields.present("buffer") {
            machine.buffer = duration(n, "\(path).buffer", bounds: Self.bufferBounds) ?? machine.buffer
        }
        if let n = fields.present("metrics") { machine.metrics = metricGroups(n, "\(path).metrics") ?? machine.metrics }
        machine.token = machineToken(fields, path)
        if let n = fields.present("alerts") { machine.alertOverrides = overrides(n, "\(path).alerts") }
        if let n = fields.present("ssh") { machine.ssh = readSSH(n, "\(path).ssh", host: host ?? "", defaults: defaults.ssh) }
        machine.runtime = readRuntime(fields, path, inherited: defaults.runtime)
        if let n = fields.present("textfile_dir"), let dir = line(n, "\(path).textfile_dir") {
            if dir.hasPrefix("/") {
                machine.textfileDir = dir
            } else {
                error(n, "\(path).textfile_dir", "expected an absolute path on that machine, such as /var/lib/sms/textfile")
            }
        }
        if let n = fields.present("containers") {
            machine.containers = readContainers(n, "\(path).containers")
        }
        return id == nil || host == nil ? nil : machine
    }

    /// `token: ${ENV}`, `token: literal`, `token_file: PATH`, or nothing (generated on apply).
    private mutating func machineToken(_ fields: Entries, _ path: String) -> Secret {
        let tokenNode = fields.present("token")
        let fileNode = fields.present("token_file")
        if tokenNode != nil, let fileNode {
            error(fileNode, "\(path).token_file", "give either token or token_file, not both")
            return .generated
        }
        if let tokenNode { return secret(tokenNode, "\(path).token", warnIfLiteral: true) ?? .generated }
        if let fileNode, let file = line(fileNode, "\(path).token_file") {
            return fileSecret(fileNode, "\(path).token_file", file) ?? Secret(source: .file(file))
        }
        return .generated
    }

    /// A secret from a scalar: `${NAME}` keeps the variable's name as its source; anything else is literal.
    mutating func secret(_ node: Node, _ path: String, warnIfLiteral: Bool) -> Secret? {
        guard let value = scalar(node, path, expected: "a string") else { return nil }
        if value.isNull {
            error(node, path, "expected a string, got null")
            return nil
        }
        if let variable = value.substitution.variables.first {
            return Secret(source: .env(variable), value: value.text)
        }
        if warnIfLiteral {
            warning(node, path, "the secret is written in the spec; use ${VARIABLE} or a file instead")
        }
        if value.text.isEmpty {
            error(node, path, "must not be empty")
            return nil
        }
        return Secret(source: .literal, value: value.text)
    }

    /// Reads a secret file (trimmed); a relative path starts at the spec's directory. Errors name the path only.
    mutating func fileSecret(_ node: Node, _ path: String, _ file: String) -> Secret? {
        let full = file.hasPrefix("/") ? file : URL(fileURLWithPath: baseDirectory).appendingPathComponent(file).path
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: full, isDirectory: &isDirectory), !isDirectory.boolValue else {
            error(node, path, "cannot read \"\(file)\": no such file (looked at \(full))")
            return nil
        }
        // Token files are tiny; refusing big ones keeps a wrong path (a disk image) from being read whole.
        guard let handle = FileHandle(forReadingAtPath: full) else {
            error(node, path, "cannot read \"\(file)\": permission denied")
            return nil
        }
        defer { try? handle.close() }
        let data = (try? handle.read(upToCount: 65_537)) ?? Data()
        guard data.count <= 65_536, let text = String(data: data, encoding: .utf8) else {
            error(node, path, "\"\(file)\" is not a token file (larger than 64 KiB or not UTF-8 text)")
            return nil
        }
        let token = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if token.isEmpty {
            error(node, path, "\"\(file)\" is empty")
            return nil
        }
        return Secret(source: .file(file), value: token)
    }

    /// `alerts:` under a machine: alert name → its own thresholds. Names are checked once all alerts are read.
    private mutating func overrides(_ node: Node, _ path: String) -> [String: ThresholdOverride] {
        guard let entries = mapping(node, path, allowed: nil) else { return [:] }
        var result: [String: ThresholdOverride] = [:]
        for (name, keyNode, value) in entries.pairs {
            let itemPath = entries.path(name)
            let fields = mapping(value, itemPath, allowed: Self.overrideKeys)
            note(itemPath, keyNode)  // an unknown alert name is reported at the name
            guard let fields else { continue }
            var override = ThresholdOverride()
            if let n = fields.present("warning") { override.warning = double(n, "\(itemPath).warning") }
            if let n = fields.present("critical") { override.critical = double(n, "\(itemPath).critical") }
            if let n = fields.present("clear") { override.clear = double(n, "\(itemPath).clear") }
            if let n = fields.present("enabled") { override.enabled = bool(n, "\(itemPath).enabled") }
            result[name] = override
        }
        return result
    }
}
