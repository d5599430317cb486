/// Keeps a secret's value out of `dump`, debuggers and `debugPrint`, which would otherwise walk its fields.
extension Secret: CustomReflectable, CustomDebugStringConvertible {
    public var customMirror: Mirror { Mirror(self, children: ["source": source], displayStyle: .struct) }
    public var debugDescription: String { "Secret(\(description))" }
}
