import Foundation

/// The fields of built-in channel kinds (`email:`, `discord:`…), checked as the format table describes them.
extension SpecValidator {
    /// Each field's form by its kind in the table, then the rules that tie a kind's fields together.
    mutating func validateKind(_ channel: NotifyChannel, _ path: String) {
        for field in channel.format.fields {
            let fieldPath = "\(path).\(field.key)"
            switch (field.kind, channel.settings[field.key]) {
            case (.url, .text(let text)?):
                checkURL(text, fieldPath, schemes: ["http", "https"])
            case (.secretURL, .secret(let secret)?):
                checkEmptySecret(secret, fieldPath)
                if let value = secret.value, !value.isEmpty { checkSecretURL(value, fieldPath) }
            case (.secret, .secret(let secret)?):
                checkEmptySecret(secret, fieldPath)
            case (.server, .text(let text)?):
                if SMTPServerAddress(text) == nil {
                    error(fieldPath, "expected host or host:port (port 1–65535), got \(shown(fieldPath, text))")
                }
            case (.address, .text(let text)?):
                checkAddress(text, fieldPath)
            case (.addresses, .list(let items)?):
                for (index, item) in items.enumerated() {
                    checkAddress(
                        item, items.count == 1 && !isWritten("\(fieldPath)[0]") ? fieldPath : "\(fieldPath)[\(index)]")
                }
            default:
                break
            }
        }
        switch channel.format {
        case .email: validateEmail(channel, path)
        case .telegram:
            if let chat = channel.text("chat_id"), Int64(chat) == nil, !(chat.hasPrefix("@") && chat.count > 1) {
                error(
                    "\(path).chat_id",
                    "expected a chat id (a number such as -1001234567890) or a public channel's @name, got \(shown("\(path).chat_id", chat))"
                )
            }
        default: break
        }
    }

    /// SMTP credentials come in pairs, and a password never crosses the network in clear text.
    private mutating func validateEmail(_ channel: NotifyChannel, _ path: String) {
        // Written counts, read or not: a password from an unset variable is reported once, as that.
        let hasUser = channel.settings["username"] != nil || isWritten("\(path).username")
        let hasPassword =
            channel.settings["password"] != nil || isWritten("\(path).password") || isWritten("\(path).password_file")
        if hasUser && !hasPassword {
            error("\(path).username", "a username needs a password (password: ${VARIABLE} or password_file)")
        } else if hasPassword && !hasUser {
            error("\(path).password", "a password needs a username")
        }
        if channel.text("security") == EmailSecurity.none.rawValue, hasPassword {
            error(
                "\(path).security",
                "security: none would send the SMTP password unencrypted; use starttls (port 587) or tls (port 465)")
        }
    }

    /// A secret from an environment variable set to nothing.
    private mutating func checkEmptySecret(_ secret: Secret, _ path: String) {
        if case .env(let variable) = secret.source, secret.value?.isEmpty ?? true {
            error(path, "the secret is empty: \(variable) is set to nothing")
        }
    }

    /// A URL that carries a token: checked like any URL, but the message never quotes it.
    private mutating func checkSecretURL(_ text: String, _ path: String) {
        guard let url = URLComponents(string: text), let scheme = url.scheme?.lowercased(),
            scheme == "https" || scheme == "http", !(url.host?.isEmpty ?? true)
        else {
            error(path, "expected a URL starting with https:// (the value is a secret and is not shown)")
            return
        }
    }

    /// `alerts@example.com` or `sms <alerts@example.com>`: one address, nothing a mail header could be split at.
    private mutating func checkAddress(_ text: String, _ path: String) {
        if EmailAddress(text) == nil {
            error(
                path,
                "expected an email address such as alerts@example.com or \"sms <alerts@example.com>\", got \(shown(path, text))"
            )
        }
    }
}
