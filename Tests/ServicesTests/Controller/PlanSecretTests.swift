import Foundation
import Spec
import Testing

@testable import Collector
@testable import Controller
@testable import SMSCore
@testable import Services

/// Plans name where a secret comes from, never its value, in text and in JSON.
@Suite struct ControllerPlanSecretTests {
    typealias F = PlanFixture

    static let secrets = [
        "edge-token-value-do-not-print", "literal-machine-token-42", "hunter2", "header-secret-7", "XXXXSECRETPATH",
        "env-machine-token-9",
    ]

    @Test func noSecretValueInPlanTextOrJSON() throws {
        let env = F.environment.merging(
            ["HOOK_TOKEN": "header-secret-7", "NFRT_TOKEN": "env-machine-token-9"]) { a, _ in a }
        let new = try F.spec(
            F.base
                .replacingOccurrences(of: "    interval: 5s\n", with: "    interval: 5s\n    token: ${NFRT_TOKEN}\n")
                .replacingOccurrences(
                    of: "  http_port: 8080\n",
                    with: "  http_port: 8080\n  history: postgres://sms:hunter2@db:5432/sms\n"
                )
                .replacingOccurrences(
                    of: "  - id: mcrn\n    host: localhost\n",
                    with: "  - id: mcrn\n    host: localhost\n    token: literal-machine-token-42\n"
                )
                .replacingOccurrences(
                    of: "XXXXSECRETPATH\n",
                    with: "XXXXSECRETPATH2\n    headers: { Authorization: \"Bearer ${HOOK_TOKEN}\" }\n"),
            environment: env)
        for old in [nil, try F.spec(F.base)] {
            let plan = F.plan(from: old, to: new)
            let outputs = [PlanText.render(plan), try PlanText.json(plan)]
            for output in outputs {
                for secret in Self.secrets {
                    #expect(!output.contains(secret), "\(secret) leaked into:\n\(output)")
                }
            }
        }
    }

    @Test("notify channels of the built-in kinds: fields in the plan, secrets by source only, in text and JSON")
    func channelKindsShowFieldsButNoSecret() throws {
        let env = F.environment.merging([
            "SMTP_PW": "smtp-pass-do-not-print", "DISCORD_URL": "https://discord.com/api/webhooks/1/discord-tok-77",
            "PD_KEY": "pd-routing-key-do-not-print",
        ]) { a, _ in a }
        func channels(_ to: String) -> String {
            F.base.replacingOccurrences(
                of: "\nedges:\n",
                with: """

                      - name: mail
                        email:
                          server: smtp.example.com:587
                          username: alerts@example.com
                          password: ${SMTP_PW}
                          from: alerts@example.com
                          to: \(to)
                      - name: chat
                        discord:
                          url: ${DISCORD_URL}
                      - name: pager
                        pagerduty:
                          routing_key: ${PD_KEY}
                    edges:

                    """)
        }
        let old = try F.spec(channels("ops@example.com"), environment: env)
        let new = try F.spec(channels("[ops@example.com, oncall@example.com]"), environment: env)
        let created = PlanText.render(F.plan(from: nil, to: new))
        #expect(created.contains("email, server smtp.example.com:587"), "\(created)")
        #expect(created.contains("password ${SMTP_PW}") && created.contains("routing_key ${PD_KEY}"), "\(created)")
        let changed = F.plan(from: old, to: new)
        let text = PlanText.render(changed)
        #expect(text.contains("to [ops@example.com] → [ops@example.com, oncall@example.com]"), "\(text)")
        #expect(!text.contains("notify chat") && !text.contains("notify pager"), "\(text)")
        for output in [created, text, try PlanText.json(changed), try PlanText.json(F.plan(from: nil, to: new))] {
            for secret in ["smtp-pass-do-not-print", "discord-tok-77", "pd-routing-key-do-not-print"] {
                #expect(!output.contains(secret), "\(secret) leaked into:\n\(output)")
            }
        }
    }

    @Test func appliedStateHoldsNoSecretValue() throws {
        let spec = try F.spec(F.base)
        let data = try JSONEncoder().encode(F.applied(spec))
        #expect(!String(decoding: data, as: UTF8.self).contains("edge-token-value-do-not-print"))
    }

    @Test func passwordInABackendURLIsMasked() {
        #expect(Redact.withoutPassword("postgres://sms:hunter2@db:5432/sms") == "postgres://sms:***@db:5432/sms")
        #expect(Redact.url("https://hooks.slack.com/services/T0/B0/abc") == "https://hooks.slack.com/…")
    }
}
