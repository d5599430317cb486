/// Help text written at the source's line width, reflowed so that ArgumentParser wraps it once, at the
/// terminal's width (wrapped twice, it came out ragged): the lines of a paragraph are joined; blank lines and
/// lines indented by two spaces (examples) stay as written.
enum HelpText {
    static func reflow(_ text: String) -> String {
        var lines: [String] = []
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init) {
            if let last = lines.last, !line.isEmpty, !line.hasPrefix("  "), !last.isEmpty, !last.hasPrefix("  ") {
                lines[lines.count - 1] = last + " " + line
            } else {
                lines.append(line)
            }
        }
        return lines.joined(separator: "\n")
    }
}
