import SMSCore
import Hummingbird

/// Checks the gateway's `Authorization: Bearer …` header against the edge's token in constant time.
///
/// The token only ever travels in this header (never in the URL, so it stays out of access logs), and the
/// comparison takes the same time whichever byte differs, so timing reveals nothing about the token.
struct PushAuthorization: Sendable {
    private let token: [UInt8]

    init(token: String) { self.token = Array(token.utf8) }

    func allows(_ request: Request) -> Bool {
        guard !token.isEmpty, let header = request.headers[.authorization] else { return false }
        let prefix = "Bearer "
        guard header.count > prefix.count, header.lowercased().hasPrefix(prefix.lowercased()) else { return false }
        return ConstantTime.equal(header.utf8.dropFirst(prefix.utf8.count), token)
    }

}
