import Controller
import Foundation
import SMSCore
import TestSupport
import Testing

/// Email as a user sets it up: an applied hub whose rule fires on a metric the test writes (a textfile metric, so
/// nothing depends on the machine's load), a real SMTP server (aiosmtpd) with STARTTLS and AUTH on loopback, and
/// the password from the environment. The firing mail arrives; the server stops for 30 s while the alert resolves;
/// the resolution arrives once the server is back, exactly once; the password is in nothing the hub wrote. PagerDuty and
/// Telegram channels on the same rule (at the services' stand-in) get their trigger and resolve meanwhile, unaffected
/// by the SMTP outage, and their routing key and bot token are in nothing the hub wrote either.
@Suite struct EmailNotifyTests {
    @Test(
        "a firing and a resolved alert each reach a real SMTP server exactly once, through a 30 s outage; the mail names machine, rule, value, threshold, since when and links the machine's page; PagerDuty and Telegram on the same rule get trigger and resolve meanwhile; no secret is in any log or file"
    )
    func mailThroughAnOutage() async throws {
        let smtp = try await SMTPTestServer.launch(security: "starttls", auth: "PLAIN,LOGIN")
        let receiver = try await ChannelReceiver.launch()
        var d = try ControllerDeployment()
        defer { d.cleanUp() }
        let suffix = UUID().uuidString.prefix(8).uppercased()
        let (variable, keyVariable, tokenVariable) =
            ("SMS_TEST_SMTP_PASSWORD_\(suffix)", "SMS_TEST_PD_KEY_\(suffix)", "SMS_TEST_TG_TOKEN_\(suffix)")
        let routingKey = String(UUID().uuidString.replacingOccurrences(of: "-", with: "").lowercased().prefix(32))
        let botToken = "987654:tg-\(UUID().uuidString)"
        d.environment = [variable: smtp.password, keyVariable: routingKey, tokenVariable: botToken]
        let secrets = [smtp.password, routingKey, botToken]
        let folder = d.dir.appendingPathComponent("textfile")
        try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
        let metricFile = folder.appendingPathComponent("queue.prom")
        try "app_queue_depth 42\n".write(to: metricFile, atomically: true, encoding: .utf8)
        let yaml =
            d.yaml(
                alerts: """
                      - name: queue_deep
                        metric: custom.app_queue_depth
                        warning: 10
                        for: 0s
                        notify: [mail, pager, tg]
                      - name: machine_down
                        enabled: false
                    """,
                machineKeys: "    textfile_dir: \(folder.path)\n")
                + """

                notify:
                  - name: mail
                    email:
                      server: localhost:\(smtp.port)
                      security: starttls
                      username: \(smtp.user)
                      password: ${\(variable)}
                      from: sms <alerts@example.com>
                      to: [ops@example.com]
                      ca: \(smtp.caFile)
                  - name: pager
                    pagerduty:
                      routing_key: ${\(keyVariable)}
                      url: \(receiver.base)/pagerduty/v2/enqueue
                  - name: tg
                    telegram:
                      bot_token: ${\(tokenVariable)}
                      chat_id: "-1001234567890"
                      api: \(receiver.base)/telegram

                """
        try d.write(yaml)
        let deployment = d
        let apply = try await offPool { try deployment.run(["apply", deployment.spec.path, "--yes"]) }
        #expect(apply.status == 0, "\(apply.out)\n\(apply.err)")

        // Firing: one mail, over STARTTLS, authenticated, to the recipient.
        let fired = await eventuallyOff(within: 60) { smtp.mails.contains { $0.subject.contains("FIRING") } }
        #expect(
            fired,
            "no firing mail; hub log: \(Self.hubLog(deployment).suffix(3000)) smtp: \(smtp.peer.log.suffix(1000))")
        let firing = try #require(smtp.mails.first)
        #expect(firing.encrypted && firing.login == smtp.user && firing.recipients == ["ops@example.com"])
        #expect(firing.subject == "[sms ctl] FIRING (warning): queue_deep on mcrn", "\(firing.subject)")
        let link = "https://localhost:\(d.httpPort)/#/machine/mcrn"
        let plain = try #require(firing.part("text/plain"), "\(firing.raw)")
        for line in [
            "Machine:   mcrn", "Rule:      queue_deep", "Value:     42", "Threshold: ≥ 10", "Dashboard: \(link)",
        ] {
            #expect(plain.contains(line), "\(line) not in:\n\(plain)")
        }
        let since = try #require(plain.split(separator: "\n").first { $0.hasPrefix("Since:") })
        #expect(
            ISO8601DateFormatter.withFraction.date(
                from: String(since.dropFirst(6)).trimmingCharacters(in: .whitespaces)) != nil, "\(since)")
        let html = try #require(firing.part("text/html"))
        #expect(
            html.contains("<a href=\"\(link)\">") && html.contains("<td>mcrn</td>") && html.contains("<td>42</td>"),
            "\(html)")
        // The link works: the hub serves the dashboard there, under the name in the link, with its certificate.
        let page = HTTPProbe.get(
            host: "localhost", port: d.httpPort, path: "/", timeout: 5,
            tls: ProbeTLS(caFile: d.state.appendingPathComponent("tls/ca.pem").path, serverName: "localhost"))
        #expect(
            page?.status == 200 && String(decoding: page?.body ?? Data(), as: UTF8.self).contains("<html"),
            "\(String(describing: page?.status))")
        #expect(
            (d.api("/api/machines")?["machines"] as? [[String: Any]] ?? []).contains { $0["id"] as? String == "mcrn" })

        // The outage: the server stops, then the alert resolves; delivery fails and is retried.
        smtp.peer.stop()
        let stoppedAt = Date()
        try "app_queue_depth 1\n".write(to: metricFile, atomically: true, encoding: .utf8)
        let failedAt = FirstFailure()
        let failing = await eventuallyOff(within: 30) {
            guard let channel = Self.mailChannel(deployment), let error = channel["lastError"] as? String,
                error.contains("refused the connection"), let at = channel["lastErrorMs"] as? Double
            else { return false }
            failedAt.ms = at
            return true
        }
        let failedAtMs = failedAt.ms
        #expect(failing, "no failed delivery seen; channels: \(String(describing: Self.mailChannel(deployment)))")
        // Retries come 1, 3, 7, 15, 31 and 63 s after the first failure: back after 30 s of outage, and (as a rule)
        // before the 31 s one; should the server start slowly, the 63 s one is still within the wait below.
        let restartAt = max(Date(timeIntervalSince1970: failedAtMs / 1000 + 29), stoppedAt.addingTimeInterval(30))
        while Date() < restartAt { try await Task.sleep(for: .milliseconds(100)) }
        #expect(smtp.mails.count == 1)
        let outage = Date().timeIntervalSince(stoppedAt)
        #expect(outage >= 30, "the outage lasted \(outage) s")
        try await smtp.peer.start()

        let resolved = await eventuallyOff(within: 45) { smtp.mails.contains { $0.subject.contains("RESOLVED") } }
        #expect(resolved, "no resolved mail after the outage; hub log: \(Self.hubLog(deployment).suffix(3000))")
        // Exactly once: nothing left queued or in the outbox, and two mails in all.
        let drained = await eventuallyOff(within: 20) {
            let channels = deployment.api("/api/alerts")?["channels"] as? [[String: Any]] ?? []
            return channels.count == 3 && channels.allSatisfy { ($0["queued"] as? Int) == 0 }
                && Self.outboxFiles(deployment).isEmpty && receiver.requests.count >= 4
        }
        #expect(drained, "\(String(describing: Self.mailChannel(deployment))) \(Self.outboxFiles(deployment))")
        let mails = smtp.mails
        #expect(
            mails.map(\.subject) == [
                "[sms ctl] FIRING (warning): queue_deep on mcrn", "[sms ctl] RESOLVED: queue_deep on mcrn",
            ], "\(mails.map(\.subject))")
        let resolvedText = mails.last?.part("text/plain") ?? ""
        #expect(
            resolvedText.contains("Resolved:") && resolvedText.contains("Value:     1") && resolvedText.contains(link),
            "\(resolvedText)")

        // PagerDuty and Telegram, on the same rule, went on regardless: a trigger and a resolve with one dedup_key, two
        // messages, each in the service's shape.
        let pager = receiver.requests(to: "pagerduty")
        #expect(pager.map { $0.body["event_action"] as? String } == ["trigger", "resolve"], "\(pager.map(\.body))")
        #expect(Set(pager.compactMap { $0.body["dedup_key"] as? String }).count == 1)
        #expect(pager.allSatisfy { $0.body["routing_key"] as? String == routingKey })
        let telegram = receiver.requests(to: "telegram")
        #expect(telegram.count == 2 && telegram.allSatisfy { $0.path == "/telegram/bot\(botToken)/sendMessage" })
        for request in receiver.requests {
            #expect(request.errors.isEmpty, "\(request.service): \(request.errors)")
        }

        // Each failed attempt is one log line naming the channel and the cause.
        let log = Self.hubLog(d)
        let failures = log.split(separator: "\n").filter { $0.contains("alert notification failed") }
        #expect(
            !failures.isEmpty
                && failures.allSatisfy {
                    $0.contains("channel=mail") && $0.contains("localhost:\(smtp.port) refused the connection")
                }, "\(failures.prefix(3))")

        // The password, routing key and bot token: in no file under the deployment (logs, state, outbox, rendered
        // files), not in the plan, status or the hub's argv.
        let plan = try await offPool { try deployment.run(["plan", deployment.spec.path]) }
        let status = try await offPool { try deployment.run(["status", deployment.spec.path]) }
        #expect(
            plan.out.contains("notify") || plan.out.contains("no changes") || plan.status == 0, "\(plan.out)\(plan.err)"
        )
        for (what, text) in [("plan", plan.out + plan.err), ("status", status.out + status.err)] {
            #expect(!secrets.contains { text.contains($0) }, "a secret is in \(what)")
        }
        if let pid = d.pid("hub"), let argv = try? Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")) {
            #expect(!secrets.contains { String(decoding: argv, as: UTF8.self).contains($0) }, "a secret is in the hub's argv")
        }
        let leaks = Self.files(under: d.dir).filter { file in
            let data = (try? Data(contentsOf: file)) ?? Data()
            return secrets.contains { data.range(of: Data($0.utf8)) != nil }
        }
        #expect(leaks.isEmpty, "a secret is in \(leaks.map(\.path))")
        #expect(Self.files(under: d.dir).count > 5)
    }

    /// The `mail` channel's delivery state from `/api/alerts`.
    static func mailChannel(_ d: ControllerDeployment) -> [String: Any]? {
        (d.api("/api/alerts")?["channels"] as? [[String: Any]])?.first { $0["name"] as? String == "mail" }
    }

    static func outboxFiles(_ d: ControllerDeployment) -> [String] {
        files(under: d.state).map(\.path).filter { $0.contains("/outbox/") && $0.hasSuffix(".json") }
    }

    static func hubLog(_ d: ControllerDeployment) -> String {
        ((try? d.run(["logs", "hub", d.spec.path])).map { $0.out + $0.err }) ?? ""
    }

    /// Every regular file below `dir`.
    static func files(under dir: URL) -> [URL] {
        let items = FileManager.default.enumerator(at: dir, includingPropertiesForKeys: [.isRegularFileKey])
        return (items?.allObjects as? [URL] ?? []).filter {
            (try? $0.resourceValues(forKeys: [.isRegularFileKey]).isRegularFile) == true
        }
    }
}

/// When the first delivery failed (wall-clock ms), as the poll saw it.
private final class FirstFailure: @unchecked Sendable {
    var ms: Double = 0
}

extension ISO8601DateFormatter {
    /// `2026-12-06T18:36:11.250Z`.
    static var withFraction: ISO8601DateFormatter {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter
    }
}

extension SMTPTestServer.Mail {
    /// The decoded `Subject:` header.
    var subject: String {
        let line = raw.components(separatedBy: "\r\n").first { $0.hasPrefix("Subject: ") } ?? ""
        let value = String(line.dropFirst(9))
        guard value.hasPrefix("=?utf-8?B?"), value.hasSuffix("?="),
            let data = Data(base64Encoded: String(value.dropFirst(10).dropLast(2)))
        else { return value }
        return String(decoding: data, as: UTF8.self)
    }

    /// The decoded body of the MIME part of `type` (`text/plain`, `text/html`), base64 as sms sends it.
    func part(_ type: String) -> String? {
        guard let start = raw.range(of: "Content-Type: \(type); charset=utf-8\r\n"),
            let bodyStart = raw.range(of: "\r\n\r\n", range: start.upperBound..<raw.endIndex),
            let end = raw.range(of: "\r\n--", range: bodyStart.upperBound..<raw.endIndex)
        else { return nil }
        let base64 = raw[bodyStart.upperBound..<end.lowerBound].replacingOccurrences(of: "\r\n", with: "")
        return Data(base64Encoded: base64).map { String(decoding: $0, as: UTF8.self) }
    }
}
