// libyaml's event parser, the engine inside Yams: streaming and iterative, so it sees a 10,000-level
// nesting or a billion-node alias bomb without building or expanding anything.
internal import CYaml

/// A single pass over libyaml events that measures depth and alias-expanded size and finds duplicate keys.
struct YAMLEventScan {
    let file: String
    let maxDepth: Int
    let maxNodes: Int

    /// Diagnostics that make the text unsafe or unfit to compose; empty when Yams may take it.
    func scan(_ text: String) -> [Diagnostic] {
        let bytes = Array(text.utf8)
        guard !bytes.isEmpty else { return [] }
        return bytes.withUnsafeBufferPointer { buffer in
            var parser = yaml_parser_t()
            guard yaml_parser_initialize(&parser) == 1 else {
                return [Diagnostic(file: file, line: 1, column: 1, path: "", message: "out of memory")]
            }
            defer { yaml_parser_delete(&parser) }
            yaml_parser_set_encoding(&parser, YAML_UTF8_ENCODING)
            yaml_parser_set_input_string(&parser, buffer.baseAddress, buffer.count)
            var state = EventScanState(file: file, maxDepth: maxDepth, maxNodes: maxNodes)
            var event = yaml_event_t()
            while true {
                guard yaml_parser_parse(&parser, &event) == 1 else {
                    state.diagnostics.append(syntaxError(parser))
                    return state.diagnostics
                }
                defer { yaml_event_delete(&event) }
                if event.type == YAML_STREAM_END_EVENT || !state.consume(event) { return state.diagnostics }
            }
        }
    }

    /// libyaml's own message (already lowercase) with its context; its nesting limit reads like ours.
    private func syntaxError(_ parser: yaml_parser_t) -> Diagnostic {
        var problem = parser.problem.map { String(cString: $0) } ?? "unknown problem"
        if problem.hasPrefix("Maximum nesting level") {
            // libyaml's own limit (1000) can trip while it scans ahead, before our 64-level check sees events.
            problem = "nesting is deeper than \(maxDepth) levels; a spec needs about 5"
            return Diagnostic(
                file: file, line: Int(parser.problem_mark.line) + 1, column: Int(parser.problem_mark.column) + 1,
                path: "", message: problem)
        }
        let context = parser.context.map { " (\(String(cString: $0)))" } ?? ""
        let mark = parser.problem_mark
        return Diagnostic(
            file: file, line: Int(mark.line) + 1, column: Int(mark.column) + 1, path: "",
            message: "yaml syntax error: \(problem)\(context)")
    }
}

/// The scan's running state: a stack of open collections and the measured size of every anchor.
private struct EventScanState {
    /// One open mapping or sequence.
    struct Frame {
        var isMapping: Bool
        var anchor: String?
        /// Nodes in this collection so far, itself included, aliases expanded.
        var size = 1
        /// Collections from this one down to its deepest leaf, itself included (a scalar counts 0).
        var height = 1
        var keys: [String: Int] = [:]
        var expectingKey = true
        var key = "?"
        var index = 0
    }

    let file: String
    let maxDepth: Int
    let maxNodes: Int
    var diagnostics: [Diagnostic] = []
    var stack: [Frame] = []
    var anchors: [String: (size: Int, height: Int)] = [:]
    var documents = 0

    /// Takes one event; false stops the scan (a refusal was recorded).
    mutating func consume(_ event: yaml_event_t) -> Bool {
        let mark = (line: Int(event.start_mark.line) + 1, column: Int(event.start_mark.column) + 1)
        switch event.type {
        case YAML_DOCUMENT_START_EVENT:
            documents += 1
            guard documents == 1 else {
                return refuse(mark, "a spec is one yaml document; remove the second document (---)")
            }
            return true
        case YAML_SCALAR_EVENT:
            let scalar = event.data.scalar
            let text = scalar.value.map {
                String(decoding: UnsafeBufferPointer(start: $0, count: scalar.length), as: UTF8.self)
            }
            let anchor = Self.name(scalar.anchor)
            if let anchor { anchors[anchor] = (1, 0) }
            return complete(size: 1, height: 0, keyText: text ?? "", mark: mark)
        case YAML_ALIAS_EVENT:
            let name = Self.name(event.data.alias.anchor) ?? ""
            guard let target = anchors[name] else { return refuse(mark, "unknown alias \"*\(name)\"") }
            if stack.count + target.height > maxDepth {
                return refuse(mark, "nesting is deeper than \(maxDepth) levels once \"*\(name)\" is expanded")
            }
            return complete(size: target.size, height: target.height, keyText: nil, mark: mark)
        case YAML_SEQUENCE_START_EVENT, YAML_MAPPING_START_EVENT:
            let isMapping = event.type == YAML_MAPPING_START_EVENT
            let anchor = Self.name(isMapping ? event.data.mapping_start.anchor : event.data.sequence_start.anchor)
            stack.append(Frame(isMapping: isMapping, anchor: anchor))
            guard stack.count <= maxDepth else {
                return refuse(mark, "nesting is deeper than \(maxDepth) levels; a spec needs about 5")
            }
            return true
        case YAML_SEQUENCE_END_EVENT, YAML_MAPPING_END_EVENT:
            guard let frame = stack.popLast() else { return true }
            if let anchor = frame.anchor { anchors[anchor] = (frame.size, frame.height) }
            return complete(size: frame.size, height: frame.height, keyText: nil, mark: mark)
        default:
            return true
        }
    }

    /// Adds a finished node (a scalar, an expanded alias or a closed collection) to its parent.
    mutating func complete(size: Int, height: Int, keyText: String?, mark: (line: Int, column: Int)) -> Bool {
        guard var top = stack.popLast() else { return true }
        if top.isMapping && top.expectingKey {
            let key = keyText ?? "?"
            if let first = top.keys[key] {
                let path = Self.join(currentPath(), key)
                diagnostics.append(
                    Diagnostic(
                        file: file, line: mark.line, column: mark.column, path: path,
                        message: "duplicate key \"\(key)\" (first written on line \(first))"))
            } else {
                top.keys[key] = mark.line
            }
            top.key = key
            top.expectingKey = false
        } else if top.isMapping {
            top.expectingKey = true
        } else {
            top.index += 1
        }
        top.size += size
        top.height = max(top.height, height + 1)
        stack.append(top)
        if top.size > maxNodes {
            return refuse(
                mark, "the spec expands to more than \(maxNodes) nodes (aliases repeat what they point to); refused")
        }
        return true
    }

    /// The key path of the open collections, written as in diagnostics: `alerts[0].labels`.
    func currentPath() -> String {
        var path = ""
        for (depth, frame) in stack.enumerated() {
            let isLast = depth == stack.count - 1
            if frame.isMapping {
                if !(isLast && frame.expectingKey) { path = Self.join(path, frame.key) }
            } else {
                path += "[\(frame.index)]"
            }
        }
        return path
    }

    mutating func refuse(_ mark: (line: Int, column: Int), _ message: String) -> Bool {
        // A 10,000-level path helps nobody: keep its start, which says where the nesting begins.
        var path = currentPath()
        if path.count > 60 { path = String(path.prefix(60)) + "…" }
        diagnostics.append(
            Diagnostic(file: file, line: mark.line, column: mark.column, path: path, message: message))
        return false
    }

    static func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    static func name(_ pointer: UnsafeMutablePointer<yaml_char_t>?) -> String? {
        pointer.map { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
    }
}
