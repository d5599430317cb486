/// One problem found in a spec, printed as `FILE:LINE:COL: error: KEY.PATH: message`.
public struct Diagnostic: Sendable, Equatable, Codable, CustomStringConvertible {
    public enum Severity: String, Sendable, Equatable, Codable { case error, warning }

    public var file: String
    public var line: Int
    public var column: Int
    /// The key path as written in the YAML, e.g. `alerts[0].warning`; empty for whole-file problems.
    public var path: String
    public var severity: Severity
    public var message: String

    public init(file: String, line: Int, column: Int, path: String, severity: Severity = .error, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.path = path
        self.severity = severity
        self.message = message
    }

    public var description: String {
        let location = "\(file):\(line):\(column)"
        return path.isEmpty ? "\(location): \(severity.rawValue): \(message)" : "\(location): \(severity.rawValue): \(path): \(message)"
    }
}
