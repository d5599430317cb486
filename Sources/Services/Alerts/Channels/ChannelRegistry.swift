import Spec

/// Every notification format, one line each: adding a format is a case in `NotifyChannel.Format` (its fields in
/// the Spec's table), one file here, and one line below.
enum ChannelRegistry {
    static func format(_ format: NotifyChannel.Format) -> any ChannelFormat.Type {
        switch format {
        case .json: JSONWebhookChannel.self
        case .slack: SlackChannel.self
        case .email: EmailChannel.self
        case .discord: DiscordChannel.self
        case .teams: TeamsChannel.self
        case .ntfy: NtfyChannel.self
        case .telegram: TelegramChannel.self
        case .pagerduty: PagerDutyChannel.self
        }
    }
}
