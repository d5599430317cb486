import Foundation
import SMSCore
import Spec

/// The users who may log in: those the spec declares, else the bootstrap admin once its password is set.
struct Accounts: Sendable {
    let spec: any SpecProvider
    /// Where the bootstrap admin's password is; nil in the open mode.
    let state: StateDirectory?

    /// A user as login sees it.
    struct Account: Sendable, Equatable {
        var name: String
        var role: UserRole
        var passwordHash: String
        /// The one-time link's admin (password kept in the state directory, changeable from the page).
        var bootstrap: Bool
    }

    func account(named name: String) -> Account? {
        let declared = spec.current().spec.hub.auth.users
        if !declared.isEmpty {
            return declared.first { $0.name == name }.map {
                Account(name: $0.name, role: $0.role, passwordHash: $0.passwordHash, bootstrap: false)
            }
        }
        guard name == HubSecrets.bootstrapAdmin, let state, let hash = HubSecrets.adminPasswordHash(state: state) else { return nil }
        return Account(name: name, role: .admin, passwordHash: hash, bootstrap: true)
    }

    /// The account when `password` is right; an unknown name costs the same work as a wrong password.
    func check(name: String, password: String) -> Account? {
        guard let account = account(named: name) else {
            PasswordHasher.verifyNothing(password)
            return nil
        }
        return PasswordHasher.verify(password, against: account.passwordHash) ? account : nil
    }

    /// True while the spec declares no users: the bootstrap admin (and its one-time link) is in use.
    var usesBootstrapAdmin: Bool { spec.current().spec.hub.auth.users.isEmpty }
}
