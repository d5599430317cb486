import Yams

/// `machines[].containers`: which containers and services the `containers` group reads.
extension SpecReader {
    static let containerKeys = ["include", "exclude", "max", "services"]

    mutating func readContainers(_ node: Node, _ path: String) -> ContainerSelection? {
        guard let fields = mapping(node, path, allowed: Self.containerKeys) else { return nil }
        var selection = ContainerSelection()
        if let n = fields.present("include") { selection.include = patterns(n, "\(path).include") }
        if let n = fields.present("exclude") { selection.exclude = patterns(n, "\(path).exclude") }
        if let n = fields.present("max") {
            let bounds = ContainerSelection.maxBounds
            let expected = "an integer \(bounds.lowerBound)–\(bounds.upperBound)"
            selection.max = int(n, "\(path).max", range: bounds, expected: expected) ?? selection.max
        }
        if let n = fields.present("services") { selection.services = bool(n, "\(path).services") ?? false }
        return selection
    }

    /// A list of non-empty glob patterns.
    private mutating func patterns(_ node: Node, _ path: String) -> [String] {
        guard let list = stringList(node, path) else { return [] }
        for (index, pattern) in list.enumerated() where pattern.isEmpty {
            error(
                node, "\(path)[\(index)]", "an empty pattern matches nothing; write a name or a glob such as \"web-*\"")
        }
        return list.filter { !$0.isEmpty }
    }
}
