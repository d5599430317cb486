/// "did you mean 'x'?" suggestions for misspelt keys, names and references.
enum DidYouMean {
    /// The closest candidate to `word`, when it is close enough to be a likely typo.
    static func suggestion(for word: String, among candidates: some Sequence<String>) -> String? {
        let lowered = word.lowercased()
        var best: (name: String, distance: Int)?
        for candidate in candidates {
            let distance = editDistance(lowered, candidate.lowercased())
            if distance < (best?.distance ?? Int.max) { best = (candidate, distance) }
        }
        guard let best else { return nil }
        if best.distance > max(1, min(word.count, best.name.count) / 3), lowered.count >= 3 {
            // `cpu.usage` → `cpu.usage_percent`, `mountpoint` → `mount`: a prefix is a likely slip too.
            let prefixed = candidates.filter {
                $0.lowercased().hasPrefix(lowered) || lowered.hasPrefix($0.lowercased())
            }
            if let shortest = prefixed.min(by: { $0.count < $1.count }) { return shortest }
        }
        // About one edit per three characters, at least one: `interal` → `interval`, `hots` → `host`.
        let allowed = max(1, min(word.count, best.name.count) / 3)
        return best.distance <= allowed ? best.name : nil
    }

    /// `; did you mean 'x'?` or an empty string, ready to append to a message.
    static func hint(for word: String, among candidates: some Sequence<String>) -> String {
        suggestion(for: word, among: candidates).map { "; did you mean '\($0)'?" } ?? ""
    }

    /// Optimal string alignment distance: insertions, deletions, substitutions and adjacent swaps cost one.
    static func editDistance(_ a: String, _ b: String) -> Int {
        let a = Array(a.unicodeScalars)
        let b = Array(b.unicodeScalars)
        if a.isEmpty { return b.count }
        if b.isEmpty { return a.count }
        // Spec words are short; longer ones cannot be typos of a key, and the cap keeps this cheap.
        if abs(a.count - b.count) > 8 || a.count > 64 || b.count > 64 { return max(a.count, b.count) }
        var previous2 = [Int](repeating: 0, count: b.count + 1)
        var previous = Array(0...b.count)
        var current = [Int](repeating: 0, count: b.count + 1)
        for i in 1...a.count {
            current[0] = i
            for j in 1...b.count {
                let cost = a[i - 1] == b[j - 1] ? 0 : 1
                current[j] = min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + cost)
                if i > 1, j > 1, a[i - 1] == b[j - 2], a[i - 2] == b[j - 1] {
                    current[j] = min(current[j], previous2[j - 2] + 1)
                }
            }
            (previous2, previous, current) = (previous, current, previous2)
        }
        return previous[b.count]
    }
}
