import Foundation

/// The second pass: checks that need the whole model (duplicates, references, orderings), with the
/// locations the reader recorded so every diagnostic still points at the line and column written.
struct SpecValidator {
    var spec: Spec
    let reader: SpecReader
    var diagnostics: [Diagnostic]

    init(spec: Spec, reader: SpecReader) {
        self.spec = spec
        self.reader = reader
        self.diagnostics = reader.diagnostics
    }

    mutating func validate() {
        validateHub()
        validateRetention()
        validateMachines()
        validateAlerts()
        validateChannels()
        validateEdges()
        validateWindows()
    }

    // MARK: Reporting

    /// Where `path` was written; else its nearest written parent; else the top of the file.
    func location(_ path: String) -> Location {
        var path = path
        while !path.isEmpty {
            if let location = reader.locations[path] { return location }
            guard let cut = path.lastIndex(where: { $0 == "." || $0 == "[" }) else { break }
            path = String(path[..<cut])
        }
        return reader.locations[""] ?? .start
    }

    /// True when the spec wrote a value at `path` (as opposed to a default).
    func isWritten(_ path: String) -> Bool { reader.locations[path] != nil }

    mutating func error(_ path: String, _ message: String) { report(path, .error, message) }
    mutating func warning(_ path: String, _ message: String) { report(path, .warning, message) }
    private mutating func report(_ path: String, _ severity: Diagnostic.Severity, _ message: String) {
        let at = location(path)
        diagnostics.append(
            Diagnostic(
                file: reader.file, line: at.line, column: at.column, path: path, severity: severity, message: message))
    }

    /// The key path of the `index`th model item of `section`; "" for items the spec did not write.
    func itemPath(_ section: String, _ index: Int) -> String {
        let paths = reader.itemPaths[section] ?? []
        return index < paths.count ? paths[index] : ""
    }

    /// Reports every name after its first use: `duplicate machine id "mcrn" (first on line 12)`.
    mutating func checkUnique(_ section: String, _ names: [String], key: String, what: String) {
        var seen: [String: Int] = [:]
        for (index, name) in names.enumerated() where !name.isEmpty {
            let path = itemPath(section, index)
            guard !path.isEmpty else { continue }
            if let first = seen[name] {
                error("\(path).\(key)", "duplicate \(what) \"\(name)\" (first on line \(first))")
            } else {
                seen[name] = location("\(path).\(key)").line
            }
        }
    }

    // MARK: Sections

    mutating func validateHub() {
        checkHost(spec.hub.host, "hub.host")
        if let bind = spec.hub.bind { checkHost(bind, "hub.bind") }
        validateHubReach()
        if spec.hub.tls == .off, !Spec.isLoopback(spec.hubBindAddress) {
            warning(
                "hub.tls",
                "the hub listens on \(spec.hubBindAddress) without TLS: machine tokens and every figure cross the network in clear text; leave hub.tls out (apply generates a CA and the hub's certificate) or name your own cert and key")
        }
        validateAuth()
        if spec.hub.grpcPort == spec.hub.httpPort {
            let path = isWritten("hub.http_port") ? "hub.http_port" : "hub.grpc_port"
            let other = path == "hub.http_port" ? "hub.grpc_port" : "hub.http_port"
            error(path, "must differ from \(other) (both are \(spec.hub.httpPort))")
        }
    }

    mutating func validateRetention() {
        let tiers = [("raw", spec.retention.raw), ("1m", spec.retention.oneMinute), ("1h", spec.retention.oneHour)]
        for (shorter, longer) in zip(tiers, tiers.dropFirst()) where longer.1 <= shorter.1 {
            let path = isWritten("retention.\(longer.0)") ? "retention.\(longer.0)" : "retention.\(shorter.0)"
            error(
                path,
                "must be longer than retention.\(shorter.0) (\(longer.1) ≤ \(shorter.1)); "
                    + "each tier keeps coarser data for longer")
        }
    }

    mutating func validateMachines() {
        checkUnique("machines", spec.machines.map(\.id), key: "id", what: "machine id")
        for (index, machine) in spec.machines.enumerated() {
            let path = itemPath("machines", index)
            checkHost(machine.host, "\(path).host")
            if case .env(let variable) = machine.token.source, machine.token.value?.isEmpty ?? true {
                error("\(path).token", "the token is empty: \(variable) is set to nothing")
            }
            if machine.isLocal, machine.ssh != nil {
                error("\(path).ssh", "machine \"\(machine.id)\" is local (host: \(machine.host)): apply starts its collector itself; drop ssh")
            }
            for (alertName, override) in machine.alertOverrides.sorted(by: { $0.key < $1.key }) {
                checkOverride(alertName, override, "\(path).alerts.\(alertName)")
            }
        }
    }

    /// A hostname or an address, not a URL or something with spaces in it.
    mutating func checkHost(_ host: String, _ path: String) {
        guard !host.isEmpty else { return }
        if host.contains("://") || host.contains("/") {
            error(path, "expected a hostname or an IP address, got \(shown(path, host)); drop the scheme and path")
        } else if !host.unicodeScalars.allSatisfy({ $0.isASCII && (CharacterSet.alphanumerics.contains($0) || "-._:[]".unicodeScalars.contains($0)) }) {
            // Hosts are written into scripts, units and compose files: only what a hostname or an IP address can
            // hold gets that far (no `%` for systemd, no `$` or `;` for a shell).
            error(path, "expected a hostname or an IP address (letters, digits, - . : [ ]), got \(shown(path, host))")
        }
    }

    /// Checks a machine id reference list; each unknown id is an error with a suggestion.
    mutating func checkMachineIDs(_ ids: [String], _ path: String) {
        let known = spec.machines.map(\.id)
        for (index, id) in ids.enumerated() where !known.contains(id) {
            error("\(path)[\(index)]", "unknown machine \"\(id)\"\(DidYouMean.hint(for: id, among: known))")
        }
    }

    /// Ids must exist; a label selector that matches no machine is probably a typo (a warning).
    mutating func checkSelector(_ selector: MachineSelector, _ path: String) {
        checkMachineIDs(selector.ids, path)
        if !selector.labels.isEmpty && !spec.machines.contains(where: selector.matches) {
            let written = selector.labels.sorted { $0.key < $1.key }.map { "\($0.key): \($0.value)" }
            warning(
                path, "no machine has the labels {\(written.joined(separator: ", "))}; the selector matches nothing")
        }
    }
}
