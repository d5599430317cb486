import SMSCore
import Spec

/// node_exporter's textfile format (the Prometheus text exposition format): `# HELP` / `# TYPE` lines and
/// samples `name{label="value",…} value [timestamp]`. Each sample becomes the series `custom.name{labels}`.
///
/// A line that does not parse is skipped and reported with its file and line number; the file's other lines
/// count. Timestamps are ignored: the collector stamps every sample with its tick, like node_exporter.
enum TextfileFormat {
    /// The samples of one file and what was wrong with its lines (`app.prom:4: …`).
    struct Parsed: Sendable, Equatable {
        var samples: [Sample] = []
        var problems: [String] = []
    }

    static func parse(_ bytes: ArraySlice<UInt8>, file: String) -> Parsed {
        var parsed = Parsed()
        var seen = Set<SeriesKey>()
        var scanner = ProcScanner(bytes)
        var number = 0
        while let raw = scanner.line() {
            number += 1
            let line = raw.trimmingBlanks()
            guard let first = line.first, first != UInt8(ascii: "#") else { continue }
            switch sample(line) {
            case .success(let sample):
                if seen.insert(sample.series).inserted {
                    parsed.samples.append(sample)
                } else {
                    parsed.problems.append("\(file):\(number): \(sample.series) appears twice; the first is kept")
                }
            case .failure(let problem):
                parsed.problems.append("\(file):\(number): \(problem.text) (\(line.quoted()))")
            }
        }
        return parsed
    }

    struct Problem: Error { let text: String }

    /// One sample line.
    static func sample(_ line: ArraySlice<UInt8>) -> Result<Sample, Problem> {
        var index = line.startIndex
        while index < line.endIndex, !isBlank(line[index]), line[index] != UInt8(ascii: "{") { index += 1 }
        let name = String(decoding: line[line.startIndex..<index], as: UTF8.self)
        guard MetricCatalog.isPrometheusName(name) else {
            return .failure(Problem(text: "expected a metric name ([a-zA-Z_:][a-zA-Z0-9_:]*) first"))
        }
        var labels: [String: String] = [:]
        if index < line.endIndex, line[index] == UInt8(ascii: "{") {
            switch Self.labels(line, from: &index) {
            case .success(let read): labels = read
            case .failure(let problem): return .failure(problem)
            }
        }
        var rest = ProcScanner(line[index...])
        guard let valueText = rest.token() else { return .failure(Problem(text: "expected a value after the name")) }
        let text = String(decoding: valueText, as: UTF8.self)
        guard let value = Double(text) ?? Self.special(text) else {
            return .failure(Problem(text: "\"\(text.prefix(40))\" is not a number"))
        }
        guard value.isFinite else { return .failure(Problem(text: "the value must be a finite number")) }
        if let timestamp = rest.token(), Int64(String(decoding: timestamp, as: UTF8.self)) == nil {
            return .failure(Problem(text: "expected an integer timestamp (ms) or nothing after the value"))
        }
        guard rest.token() == nil else { return .failure(Problem(text: "unexpected text after the value")) }
        return .success(Sample(MetricCatalog.customPrefix + name, labels, value))
    }

    /// `{a="x",b="y"}` from `index` (at the brace); leaves `index` after the closing brace.
    static func labels(_ line: ArraySlice<UInt8>, from index: inout Int) -> Result<[String: String], Problem> {
        var labels: [String: String] = [:]
        index += 1
        while true {
            while index < line.endIndex, isBlank(line[index]) || line[index] == UInt8(ascii: ",") { index += 1 }
            guard index < line.endIndex else { return .failure(Problem(text: "the labels' } is missing")) }
            if line[index] == UInt8(ascii: "}") {
                index += 1
                return .success(labels)
            }
            let start = index
            while index < line.endIndex, line[index] != UInt8(ascii: "="), !isBlank(line[index]) { index += 1 }
            let name = String(decoding: line[start..<index], as: UTF8.self)
            guard MetricCatalog.isPrometheusLabelName(name) else {
                return .failure(Problem(text: "\"\(name.prefix(40))\" is not a label name"))
            }
            guard name != "machine" else {
                return .failure(Problem(text: "the label \"machine\" is the hub's own; rename it"))
            }
            while index < line.endIndex, isBlank(line[index]) { index += 1 }
            guard index + 1 < line.endIndex, line[index] == UInt8(ascii: "="), line[index + 1] == UInt8(ascii: "\"") else {
                return .failure(Problem(text: "expected \(name)=\"value\""))
            }
            index += 2
            var value: [UInt8] = []
            while index < line.endIndex, line[index] != UInt8(ascii: "\"") {
                if line[index] == UInt8(ascii: "\\"), index + 1 < line.endIndex {
                    index += 1
                    value.append(line[index] == UInt8(ascii: "n") ? UInt8(ascii: "\n") : line[index])
                } else {
                    value.append(line[index])
                }
                index += 1
            }
            guard index < line.endIndex else { return .failure(Problem(text: "the value of \(name) has no closing quote")) }
            index += 1
            guard !value.contains(where: { $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") || $0 == UInt8(ascii: "\n") }) else {
                return .failure(Problem(text: "the value of \(name) holds a quote, backslash or newline, which sms does not keep"))
            }
            guard labels.updateValue(String(decoding: value, as: UTF8.self), forKey: name) == nil else {
                return .failure(Problem(text: "the label \(name) is given twice"))
            }
        }
    }

    static func special(_ text: String) -> Double? {
        switch text {
        case "+Inf", "Inf": .infinity
        case "-Inf": -.infinity
        case "NaN": .nan
        default: nil
        }
    }

    static func isBlank(_ byte: UInt8) -> Bool { byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") }
}

extension ArraySlice<UInt8> {
    /// Without blanks (and a carriage return) at either end.
    fileprivate func trimmingBlanks() -> ArraySlice<UInt8> {
        var slice = self
        while let last = slice.last, TextfileFormat.isBlank(last) || last == 13 { slice = slice.dropLast() }
        while let first = slice.first, TextfileFormat.isBlank(first) { slice = slice.dropFirst() }
        return slice
    }

    /// The line for an error message: at most 80 characters, quoted.
    fileprivate func quoted() -> String {
        let text = String(decoding: prefix(80), as: UTF8.self)
        return "\"\(text)\(count > 80 ? "…" : "")\""
    }
}
