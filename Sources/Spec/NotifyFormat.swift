/// A notification channel: a webhook (sms's JSON or Slack's), or one of the built-in formats with a key of its
/// own (`email:`, `discord:`, `teams:`, `ntfy:`, `telegram:`, `pagerduty:`) whose fields `Format.fields` lists.
public struct NotifyChannel: Sendable, Equatable, Codable {
    /// What the receiver speaks. `json` and `slack` are webhooks (`webhook:` + `format:`); the others are kinds
    /// with their own key and fields.
    public enum Format: String, Sendable, Equatable, Codable, CaseIterable {
        case json, slack, email, discord, teams, ntfy, telegram, pagerduty

        /// True for the formats of `webhook:` channels.
        public var isWebhook: Bool { self == .json || self == .slack }
        /// The formats `webhook: … format:` accepts.
        public static let webhookFormats: [Format] = [.json, .slack]
        /// The formats written as a key of their own, in the order docs and messages list them.
        public static let kinds: [Format] = allCases.filter { !$0.isWebhook }
    }

    public var name: String
    /// The receiver's URL for webhook channels; empty for the other kinds.
    public var webhook: String
    /// Header values may be secrets (`Authorization: Bearer ${HOOK_TOKEN}`): never printed.
    public var headers: [String: Secret]
    public var format: Format
    /// The fields of a built-in kind, by key as written (`server`, `password`, `to`…); empty for webhooks.
    public var settings: [String: NotifySetting]

    public init(
        name: String, webhook: String, headers: [String: Secret] = [:], format: Format = .json,
        settings: [String: NotifySetting] = [:]
    ) {
        self.name = name
        self.webhook = webhook
        self.headers = headers
        self.format = format
        self.settings = settings
    }

    /// A channel of a built-in kind.
    public init(name: String, format: Format, settings: [String: NotifySetting]) {
        self.init(name: name, webhook: "", format: format, settings: settings)
    }

    /// A text or list field's text (lists joined by ", "); nil when not set.
    public func text(_ key: String) -> String? {
        switch settings[key] {
        case .text(let text): text
        case .list(let items): items.joined(separator: ", ")
        default: nil
        }
    }

    /// A list field's items (a text field as one item).
    public func list(_ key: String) -> [String] {
        switch settings[key] {
        case .list(let items): items
        case .text(let text): [text]
        default: []
        }
    }

    /// A secret field's resolved value; nil when not set or not resolved.
    public func secret(_ key: String) -> String? {
        if case .secret(let secret) = settings[key] { return secret.value }
        return nil
    }

    /// Every secret the channel holds (header values and secret fields), by key path below the channel.
    public var secrets: [(key: String, secret: Secret)] {
        let fields = settings.compactMap { key, value -> (String, Secret)? in
            if case .secret(let secret) = value { return (key, secret) }
            return nil
        }
        return (headers.map { ("headers.\($0.key)", $0.value) } + fields).sorted { $0.0 < $1.0 }
    }

    // `settings` is written only when set, so a webhook channel's JSON (and the spec's hash) is what it was
    // before the built-in kinds existed; applied.json files written then still decode.
    enum CodingKeys: String, CodingKey { case name, webhook, headers, format, settings }
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        name = try c.decode(String.self, forKey: .name)
        webhook = try c.decode(String.self, forKey: .webhook)
        headers = try c.decode([String: Secret].self, forKey: .headers)
        format = try c.decode(Format.self, forKey: .format)
        settings = try c.decodeIfPresent([String: NotifySetting].self, forKey: .settings) ?? [:]
    }
    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(name, forKey: .name)
        try c.encode(webhook, forKey: .webhook)
        try c.encode(headers, forKey: .headers)
        try c.encode(format, forKey: .format)
        if !settings.isEmpty { try c.encode(settings, forKey: .settings) }
    }
}

/// One field of a built-in channel kind as read: text, a list of texts, or a secret (encoded by source only).
public enum NotifySetting: Sendable, Equatable, Codable {
    case text(String)
    case list([String])
    case secret(Secret)
}

/// One field of a built-in channel kind: its key, what it holds, and whether the spec must give it.
public struct NotifyField: Sendable, Equatable {
    public enum Kind: Sendable, Equatable {
        /// An `http://` or `https://` URL written plainly (a server, an API base).
        case url
        /// A URL that carries a token (Discord's, Teams' webhook): a secret, `${VAR}` or `KEY_file`, never printed.
        case secretURL
        /// A password, token or key: `${VAR}` or `KEY_file` (a literal is a warning), never printed.
        case secret
        /// `host` or `host:port` of a server.
        case server
        /// One email address, bare or as `Name <address>`.
        case address
        /// A list of email addresses (one address alone is a list of one).
        case addresses
        /// One line of text.
        case text
        /// One of the given words.
        case choice([String])
        /// A readable file, relative to the spec's folder (a CA certificate).
        case file
    }

    public var key: String
    public var kind: Kind
    public var required: Bool
    /// The default, as docs show it; nil when there is none.
    public var defaultValue: String?

    public init(_ key: String, _ kind: Kind, required: Bool = false, defaultValue: String? = nil) {
        self.key = key
        self.kind = kind
        self.required = required
        self.defaultValue = defaultValue
    }

    /// True for kinds whose value is a secret (they may be given as `KEY_file` too).
    public var isSecret: Bool { kind == .secret || kind == .secretURL }
}

/// The table of built-in channel kinds: each kind's fields. Reading, validation, plans and docs follow it;
/// the alerts service has one file per format that renders and sends it.
extension NotifyChannel.Format {
    public var fields: [NotifyField] {
        switch self {
        case .json, .slack: []
        case .email:
            [
                NotifyField("server", .server, required: true),
                NotifyField("security", .choice(EmailSecurity.allCases.map(\.rawValue)), defaultValue: "starttls"),
                NotifyField("username", .text),
                NotifyField("password", .secret),
                NotifyField("from", .address, required: true),
                NotifyField("to", .addresses, required: true),
                NotifyField("ca", .file),
            ]
        case .discord, .teams: [NotifyField("url", .secretURL, required: true)]
        case .ntfy: [NotifyField("url", .url, required: true), NotifyField("token", .secret)]
        case .telegram:
            [
                NotifyField("bot_token", .secret, required: true), NotifyField("chat_id", .text, required: true),
                NotifyField("api", .url, defaultValue: "https://api.telegram.org"),
            ]
        case .pagerduty:
            [
                NotifyField("routing_key", .secret, required: true),
                NotifyField("url", .url, defaultValue: PagerDutyDefaults.eventsURL),
            ]
        }
    }
}

/// How an email channel protects its SMTP connection.
public enum EmailSecurity: String, Sendable, CaseIterable {
    /// Plain connection upgraded with STARTTLS before anything else (port 587 by default); refused if not offered.
    case starttls
    /// TLS from the first byte ("SMTPS", port 465 by default).
    case tls
    /// No encryption (port 25 by default): only for a relay on this machine or its own network, without a password.
    case none

    public var defaultPort: Int {
        switch self {
        case .starttls: 587
        case .tls: 465
        case .none: 25
        }
    }
}

/// PagerDuty's Events API v2 endpoint (the EU service uses `https://events.eu.pagerduty.com/v2/enqueue`).
public enum PagerDutyDefaults {
    public static let eventsURL = "https://events.pagerduty.com/v2/enqueue"
}
