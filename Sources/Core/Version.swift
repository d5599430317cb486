/// The version of sms, with the commit it was built from: collectors report it on their stream, `status` and
/// `plan` compare it with the binary being installed, and `--version` prints it.
public enum SMSVersion {
    public static let current = "0.2.0"
    /// The git commit of the build (`-dirty` when the tree had changes), or `unknown` outside a checkout.
    public static let commit = BuildInfo.commit
    /// `0.2.0 (commit 1a2b3c4d5e6f)`: what `--version` prints.
    public static var description: String { "\(current) (commit \(commit))" }
}
