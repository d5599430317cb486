import Yams

/// `hub.auth`: absent (login), `none`, or `{users: [{name, password_hash, role}]}`.
extension SpecReader {
    static let authKeys = ["users"]
    static let userKeys = ["name", "password_hash", "role"]

    mutating func readAuth(_ node: Node) -> HubAuth {
        let path = "hub.auth"
        if case .scalar = node {
            guard let text = scalar(node, path, expected: "\"none\" or a mapping with users") else { return .login(users: []) }
            if text.text == "none" { return .none }
            let hint = DidYouMean.hint(for: text.text, among: ["none"])
            error(
                node, path,
                "expected \"none\" or a mapping with users, got \(text.shown)\(hint); leave hub.auth out to require login")
            return .login(users: [])
        }
        guard let fields = mapping(node, path, allowed: Self.authKeys) else { return .login(users: []) }
        guard let usersNode = fields.present("users") else { return .login(users: []) }
        let users = readList(usersNode, "\(path).users") { $0.readUser($1, $2) }
        checkUniqueUsers(users)
        return .login(users: users)
    }

    mutating func readUser(_ node: Node, _ path: String) -> HubUser? {
        guard let fields = mapping(node, path, allowed: Self.userKeys) else { return nil }
        var ok = true
        let name = fields.present("name").flatMap { self.name($0, "\(path).name") }
        if fields.present("name") == nil {
            error(node, path, "missing required key \"name\"")
            ok = false
        }
        var hash: String?
        if let n = fields.present("password_hash") {
            hash = passwordHash(n, "\(path).password_hash")
        } else {
            error(node, path, "missing required key \"password_hash\"; make one with `smsctl passwd --name NAME`")
            ok = false
        }
        var role = UserRole.viewer
        if let n = fields.present("role") {
            if let text = choice(n, "\(path).role", UserRole.allCases.map(\.rawValue)) {
                role = UserRole(rawValue: text) ?? .viewer
            } else {
                ok = false
            }
        }
        guard ok, let name, let hash else { return nil }
        return HubUser(name: name, passwordHash: hash, role: role)
    }

    /// A hash `smsctl passwd` printed; the message never repeats the value (it is close to a secret).
    mutating func passwordHash(_ node: Node, _ path: String) -> String? {
        guard let text = string(node, path) else { return nil }
        switch PasswordHashText.parse(text) {
        case .success: return text
        case .failure(let problem):
            error(node, path, "not a password hash: \(problem); make one with `smsctl passwd`")
            return nil
        }
    }

    /// A user name twice is an error at the second one.
    mutating func checkUniqueUsers(_ users: [HubUser]) {
        var seen: [String: Int] = [:]
        let paths = itemPaths["hub.auth.users"] ?? []
        for (index, user) in users.enumerated() where index < paths.count {
            let path = "\(paths[index]).name"
            let location = locations[path] ?? locations[paths[index]] ?? .start
            if let first = seen[user.name] {
                error(at: location, path, "duplicate user name \"\(user.name)\" (first on line \(first))")
            } else {
                seen[user.name] = location.line
            }
        }
    }
}
