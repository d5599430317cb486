import Foundation
import Testing
import TestSupport

/// A real Prometheus (Debian's package) scrapes a live hub with two collectors; what it stores is what the hub
/// has, and `promtool query` gets the same answers from the hub as from Prometheus over the same samples.
///
/// The hub runs with `auth: none`: Debian's promtool (2.42) cannot send a token with an instant query (it has no
/// `--http.config.file`); the token path of the same routes is covered by PrometheusEndpointTests.
@Suite("Prometheus interop", .serialized)
struct PrometheusInteropTests {
    static let prometheus = ["/usr/bin/prometheus", "/usr/local/bin/prometheus"].first(where: FileManager.default.isExecutableFile)
    static let promtool = ["/usr/bin/promtool", "/usr/local/bin/promtool"].first(where: FileManager.default.isExecutableFile)

    /// Queries covering each matcher kind, each aggregation, `*_over_time`, scalar arithmetic and comparison,
    /// `topk` and `rate`/`increase`; custom figures have distinct values so that `topk` has no ties.
    static let queries = [
        #"sms_custom_app_queue_depth{queue="mail"}"#,
        #"sms_custom_app_queue_depth{queue!="mail"}"#,
        #"sms_memory_total_bytes{machine=~"al.*"}"#,
        #"sms_cpu_mode_percent{mode!~"idle|user"}"#,
        "sum by (machine) (sms_custom_app_queue_depth)",
        "avg without (queue) (sms_custom_app_queue_depth)",
        "min by (queue) (sms_custom_app_queue_depth)",
        "max(sms_memory_used_bytes)",
        "count by (machine) (sms_cpu_mode_percent)",
        "avg_over_time(sms_memory_used_percent[6s])",
        "max_over_time(sms_cpu_usage_percent[6s])",
        "min_over_time(sms_custom_app_jobs_total[6s])",
        "sms_memory_used_bytes / 1024 / 1024",
        "sms_custom_app_queue_depth * 2 + 1",
        "-sms_custom_app_queue_depth",
        "sms_custom_app_queue_depth > 10",
        "sms_custom_app_queue_depth >= bool 7",
        "topk(2, sms_custom_app_queue_depth)",
        "topk(1, sms_custom_app_queue_depth) by (machine)",
        "rate(sms_custom_app_jobs_total[6s])",
        "increase(sms_custom_app_jobs_total[6s])",
        "sum(rate(sms_custom_app_jobs_total[6s]))",
    ]

    @Test("Prometheus stores the hub's values; promtool query answers the same from the hub as from Prometheus")
    func prometheusScrapesAndQueriesAgree() async throws {
        guard let prometheus = Self.prometheus, let promtool = Self.promtool else {
            Issue.record("prometheus is not installed (scripts/test installs Debian's prometheus package)")
            return
        }
        let d = try TempDeployment(machines: ["alpha", "beta"], hub: ", auth: none")
        defer { d.remove() }
        // Each machine gets a textfile of its own: two queues with distinct depths and a counter the test drives.
        var yaml = try String(contentsOf: d.spec, encoding: .utf8)
        let depths = ["alpha": (42, 3), "beta": (7, 11)]
        for m in ["alpha", "beta"] {
            let folder = d.dir.appendingPathComponent("textfile-\(m)")
            try FileManager.default.createDirectory(at: folder, withIntermediateDirectories: true)
            yaml = yaml.replacingOccurrences(
                of: "  - { id: \(m), host: localhost }",
                with: "  - { id: \(m), host: localhost, interval: 1s, textfile_dir: \(folder.path) }")
        }
        try yaml.write(to: d.spec, atomically: true, encoding: .utf8)
        let writer = Task.detached {
            let start = Date()
            while !Task.isCancelled {
                let jobs = Int(Date().timeIntervalSince(start) * 10)
                for (m, depth) in depths {
                    let text = "app_queue_depth{queue=\"mail\"} \(depth.0)\napp_queue_depth{queue=\"print\"} \(depth.1)\n# TYPE app_jobs_total counter\napp_jobs_total \(jobs + (m == "beta" ? 1000 : 0))\n"
                    try? text.write(to: d.dir.appendingPathComponent("textfile-\(m)/app.prom"), atomically: true, encoding: .utf8)
                }
                try? await Task.sleep(for: .milliseconds(200))
            }
        }
        defer { writer.cancel() }
        let hub = try d.startHub()
        defer { hub.crash() }
        let collectors = try ["alpha", "beta"].map { try d.startLeanCollector($0) }
        defer { collectors.forEach { $0.crash() } }
        let streaming = await waitFor(timeout: .seconds(30)) {
            let alpha = try await d.history("alpha", "custom.app_queue_depth", from: "-1m").count
            let beta = try await d.history("beta", "custom.app_jobs_total", from: "-1m").count
            return alpha >= 1 && beta >= 1
        }
        #expect(streaming, "the hub never stored both machines' custom metrics\n\(d.logTails())")

        // The endpoint passes promtool's format check and lint.
        let (body, response) = try await d.get("/api/v1/metrics")
        #expect(response.statusCode == 200)
        let exposition = String(decoding: body, as: UTF8.self)
        let check = try await offPool { try runTool(promtool, ["check", "metrics"], input: exposition) }
        #expect(check.status == 0 && check.output.isEmpty, "promtool check metrics: \(check.output)")

        let port = try freePort()
        let server = try Self.startPrometheus(prometheus, d: d, port: port)
        defer { server.crash() }
        let prom = "http://127.0.0.1:\(port)"

        // 1. For every series of alpha in one exposition, Prometheus stores that value at the sample's own time.
        // (A snapshot whose sample the hub replaced before Prometheus' next scrape is retaken, within a deadline.)
        var snapshot: [String: (t: Int64, v: Double)] = [:]
        var stored: [String: [(t: Int64, v: Double)]] = [:]
        var sampleTime: Int64 = 0
        var snapshots = 0
        let scraped = await waitFor(timeout: .seconds(30), every: .milliseconds(100)) {
            let (data, _) = try await d.get("/api/v1/metrics?match%5B%5D=%7Bmachine%3D%22alpha%22%7D")
            snapshot = Self.parseExposition(String(decoding: data, as: UTF8.self))
            snapshots += 1
            guard let t = snapshot.values.first?.t, snapshot.values.allSatisfy({ $0.t == t }) else { return false }
            sampleTime = t
            return await waitFor(timeout: .seconds(3), every: .milliseconds(250)) {
                stored = try await Self.rawSamples(prom, #"{machine="alpha"}[1m]"#, at: Double(t + 5000) / 1000, bearer: nil, d: d)
                return snapshot.keys.allSatisfy { key in stored[key]?.contains { $0.t == t } == true }
            }
        }
        #expect(scraped, "Prometheus never stored alpha's sample of a snapshot (\(snapshots) tried)\n\(server.output.suffix(2000))")
        #expect(snapshot.count > 40, "alpha has \(snapshot.count) series")
        var mismatches: [String] = []
        for (key, sample) in snapshot {
            let points: [(t: Int64, v: Double)] = stored[key] ?? []
            let value: Double? = points.first(where: { $0.t == sampleTime })?.v
            let equal = value.map { $0 == sample.v || ($0.isNaN && sample.v.isNaN) } ?? false
            if !equal { mismatches.append("\(key): hub \(sample.v), Prometheus \(value.map { "\($0)" } ?? "none")") }
        }
        #expect(mismatches.isEmpty, "\(mismatches.count) of \(snapshot.count) series differ: \(mismatches.prefix(5))")
        #expect(Set(stored.keys) == Set(snapshot.keys), "Prometheus has other series of alpha than the hub")

        // 2. Queries at an instant whose recent windows hold the very same samples on both sides.
        let evaluation = try await Self.commonInstant(prom: prom, d: d)
        let at = try #require(evaluation, "no instant where Prometheus and the hub hold the same samples")
        var compared = 0
        for query in Self.queries {
            let ours = try await Self.promtoolInstant(promtool, d.api, query, at: at, d: d)
            let theirs = try await Self.promtoolInstant(promtool, prom, query, at: at, d: d)
            #expect(!theirs.isEmpty, "Prometheus answers nothing for \(query)")
            #expect(Self.same(ours, theirs), "\(query) at \(at): hub \(ours.sorted { $0.key < $1.key }) vs Prometheus \(theirs.sorted { $0.key < $1.key })")
            compared += 1
        }
        #expect(compared == Self.queries.count)
        for query in Self.queries.filter({ !$0.contains("[") }).prefix(8) + ["sum(rate(sms_custom_app_jobs_total[4s]))", "avg_over_time(sms_custom_app_queue_depth[4s])"] {
            let ours = try await Self.promtoolRange(promtool, d.api, query, end: at, d: d)
            let theirs = try await Self.promtoolRange(promtool, prom, query, end: at, d: d)
            #expect(!theirs.isEmpty && Self.same(ours, theirs), "range \(query): hub \(ours) vs Prometheus \(theirs)")
        }

        // promtool's series and label-value listings, then the API's label listing (promtool has none), with
        // Prometheus' own target labels (job, instance) set aside.
        for selector in [#"{__name__=~"sms_custom_.*|sms_load1"}"#, #"sms_memory_total_bytes"#] {
            let ours = try await Self.promtoolSeries(promtool, d.api, selector, d: d)
            let theirs = try await Self.promtoolSeries(promtool, prom, selector, d: d)
            #expect(!theirs.isEmpty && ours == theirs, "series \(selector): hub \(ours.sorted()) vs Prometheus \(theirs.sorted())")
        }
        for name in ["queue", "machine"] {
            let ours = try await Self.promtoolLabelValues(promtool, d.api, name, d: d)
            let theirs = try await Self.promtoolLabelValues(promtool, prom, name, d: d)
            #expect(!theirs.isEmpty && ours == theirs, "label \(name): hub \(ours.sorted()) vs Prometheus \(theirs.sorted())")
        }
        let listings = [
            "/api/v1/series?match%5B%5D=" + Self.encode(#"{__name__=~"sms_custom_.*|sms_load1"}"#),
            "/api/v1/labels?match%5B%5D=" + Self.encode(#"{machine="beta"}"#),
            "/api/v1/label/queue/values",
            "/api/v1/label/machine/values?match%5B%5D=sms_custom_app_queue_depth",
            "/api/v1/label/mode/values?match%5B%5D=" + Self.encode(#"{machine="alpha"}"#),
        ]
        for path in listings {
            let ours = try await Self.listing(d.api, path, bearer: TempDeployment.apiToken, d: d)
            let theirs = try await Self.listing(prom, path, bearer: nil, d: d)
            #expect(!theirs.isEmpty && ours == theirs, "\(path): hub \(ours.sorted()) vs Prometheus \(theirs.sorted())")
        }

        // 3. What sms does not support is refused as Prometheus refuses: bad_data, naming the part.
        for (query, named) in [("histogram_quantile(0.9, sms_cpu_usage_percent)", "histogram_quantile"), ("sms_load1 offset 1m", "offset"), ("rate(sms_cpu_usage_percent[1m])", "counters")] {
            let url = "\(d.api)/api/v1/query?query=\(Self.encode(query))"
            let (data, response) = try await httpGet(URL(string: url)!, bearer: TempDeployment.apiToken, ca: d.caFile)
            let doc = try JSONSerialization.jsonObject(with: data) as? [String: Any]
            #expect(response.statusCode == 400 && doc?["errorType"] as? String == "bad_data")
            #expect((doc?["error"] as? String)?.contains(named) == true, "\(query): \(doc ?? [:])")
        }

        // 4. A machine that stops reporting leaves the endpoint: no frozen values.
        collectors[1].crash()
        let gone = await waitFor(timeout: .seconds(25), every: .milliseconds(250)) {
            let (data, _) = try await d.get("/api/v1/metrics")
            let text = String(decoding: data, as: UTF8.self)
            return !text.contains(#"machine="beta""#) && text.contains(#"machine="alpha""#)
        }
        #expect(gone, "beta's series stayed on /api/v1/metrics after its collector stopped")
    }

    // MARK: Helpers.

    /// `promtool query …` against `server` (trusting the hub's CA for https) with JSON output.
    static func promtool(_ tool: String, _ arguments: [String], d: TempDeployment) async throws -> Any {
        let run = try await offPool { try runTool(tool, ["query"] + arguments, environment: ["SSL_CERT_FILE": d.caFile]) }
        guard run.status == 0, let data = run.output.data(using: .utf8),
            let value = try? JSONSerialization.jsonObject(with: data, options: [.fragmentsAllowed])
        else { throw HarnessError("promtool query \(arguments.joined(separator: " ")): \(run.status) \(run.output)") }
        return value
    }

    /// `promtool query instant` at `at`: value by series.
    static func promtoolInstant(_ tool: String, _ server: String, _ query: String, at: Double, d: TempDeployment) async throws -> [String: Double] {
        let result = try await promtool(tool, ["instant", "-o", "json", "--time=\(at)", "--", server, query], d: d)
        var out: [String: Double] = [:]
        for item in result as? [[String: Any]] ?? [] {
            out[key(item["metric"] as? [String: String] ?? [:])] = point(item["value"] as? [Any] ?? [])?.v
        }
        return out
    }

    /// `promtool query range` over the 6 s ending at `end`, step 2 s: every point of every series, keyed `labels@t`.
    static func promtoolRange(_ tool: String, _ server: String, _ query: String, end: Double, d: TempDeployment) async throws -> [String: Double] {
        let result = try await promtool(tool, ["range", "-o", "json", "--start=\(end - 6)", "--end=\(end)", "--step=2s", "--", server, query], d: d)
        var out: [String: Double] = [:]
        for item in result as? [[String: Any]] ?? [] {
            let k = key(item["metric"] as? [String: String] ?? [:])
            for p in (item["values"] as? [[Any]] ?? []).compactMap(point) { out["\(k)@\(p.t)"] = p.v }
        }
        return out
    }

    /// `promtool query series --match`: the label sets.
    static func promtoolSeries(_ tool: String, _ server: String, _ selector: String, d: TempDeployment) async throws -> Set<String> {
        let result = try await promtool(tool, ["series", "-o", "json", "--match=\(selector)", server], d: d)
        return Set((result as? [[String: String]] ?? []).map(key))
    }

    /// `promtool query labels NAME`: the label's values.
    static func promtoolLabelValues(_ tool: String, _ server: String, _ name: String, d: TempDeployment) async throws -> Set<String> {
        let result = try await promtool(tool, ["labels", "-o", "json", server, name], d: d)
        return Set(result as? [String] ?? [])
    }

    /// A listing's `data` as a set of strings (label sets as `key()` writes them), without `job` and `instance`.
    static func listing(_ base: String, _ path: String, bearer: String?, d: TempDeployment) async throws -> Set<String> {
        let (data, response) = try await httpGet(
            URL(string: base + path)!, bearer: bearer, ca: base.hasPrefix("https") ? d.caFile : nil)
        let doc = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        guard response.statusCode == 200, doc["status"] as? String == "success" else {
            throw HarnessError("GET \(base)\(path): \(response.statusCode) \(String(decoding: data, as: UTF8.self))")
        }
        if let sets = doc["data"] as? [[String: String]] { return Set(sets.map(key)) }
        return Set((doc["data"] as? [String] ?? []).filter { $0 != "job" && $0 != "instance" })
    }

    /// Prometheus scraping the hub's endpoint every 500 ms over TLS.
    static func startPrometheus(_ binary: String, d: TempDeployment, port: Int) throws -> SMSProcess {
        let config = d.dir.appendingPathComponent("prometheus.yml")
        try """
            global: { scrape_interval: 500ms, scrape_timeout: 500ms }
            scrape_configs:
              - job_name: sms
                metrics_path: /api/v1/metrics
                scheme: https
                tls_config: { ca_file: \(d.caFile) }
                static_configs: [{ targets: ["127.0.0.1:\(d.httpPort)"] }]
            """.write(to: config, atomically: true, encoding: .utf8)
        return try SMSProcess(
            [
                "--config.file=\(config.path)", "--storage.tsdb.path=\(d.dir.appendingPathComponent("prom-data").path)",
                "--web.listen-address=127.0.0.1:\(port)",
            ], log: d.log("prometheus"), executable: URL(fileURLWithPath: binary))
    }

    /// `name{labels}` → (time, value) of the text format.
    static func parseExposition(_ text: String) -> [String: (t: Int64, v: Double)] {
        var out: [String: (t: Int64, v: Double)] = [:]
        for line in text.split(separator: "\n") where !line.hasPrefix("#") {
            // Label values may hold spaces (sensor names): the value and the time are the last two fields.
            let parts = line.split(separator: " ")
            guard parts.count >= 3, let t = Int64(parts[parts.count - 1]) else { continue }
            let text = parts[parts.count - 2]
            guard let v = Double(text) ?? (text == "NaN" ? .nan : nil) else { continue }
            out[parts.dropLast(2).joined(separator: " ")] = (t, v)
        }
        return out
    }

    static func encode(_ text: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    static func get(_ base: String, _ path: String, bearer: String?, d: TempDeployment) async throws -> [String: Any] {
        let (data, response) = try await httpGet(
            URL(string: base + path)!, bearer: bearer, ca: base.hasPrefix("https") ? d.caFile : nil)
        let doc = try JSONSerialization.jsonObject(with: data) as? [String: Any] ?? [:]
        guard response.statusCode == 200, doc["status"] as? String == "success" else {
            throw HarnessError("GET \(base)\(path): \(response.statusCode) \(String(decoding: data, as: UTF8.self))")
        }
        return doc["data"] as? [String: Any] ?? [:]
    }

    /// A label set as text without Prometheus' target labels (`job`, `instance`), so both sides compare.
    static func key(_ metric: [String: String]) -> String {
        var labels = metric
        labels.removeValue(forKey: "job")
        labels.removeValue(forKey: "instance")
        let name = labels.removeValue(forKey: "__name__") ?? ""
        return name + "{" + labels.sorted { $0.key < $1.key }.map { "\($0.key)=\"\($0.value)\"" }.joined(separator: ",") + "}"
    }

    /// Raw samples of a range selector, by series (`name{labels}` as the exposition writes them).
    static func rawSamples(_ base: String, _ selector: String, at: Double, bearer: String?, d: TempDeployment) async throws -> [String: [(t: Int64, v: Double)]] {
        let data = try await get(base, "/api/v1/query?query=\(encode(selector))&time=\(at)", bearer: bearer, d: d)
        var out: [String: [(t: Int64, v: Double)]] = [:]
        for item in data["result"] as? [[String: Any]] ?? [] {
            let metric = item["metric"] as? [String: String] ?? [:]
            let k = key(metric).replacingOccurrences(of: "{}", with: "")
            out[k] = (item["values"] as? [[Any]] ?? []).compactMap(point)
        }
        return out
    }

    static func point(_ pair: [Any]) -> (t: Int64, v: Double)? {
        guard pair.count == 2, let t = (pair[0] as? NSNumber)?.doubleValue, let text = pair[1] as? String else { return nil }
        return (Int64((t * 1000).rounded()), text == "NaN" ? .nan : Double(text) ?? .nan)
    }

    static func query(_ base: String, _ query: String, at: Double, bearer: String?, d: TempDeployment) async throws -> [String: Double] {
        let data = try await get(base, "/api/v1/query?query=\(encode(query))&time=\(at)", bearer: bearer, d: d)
        var out: [String: Double] = [:]
        for item in data["result"] as? [[String: Any]] ?? [] {
            out[key(item["metric"] as? [String: String] ?? [:])] = point(item["value"] as? [Any] ?? [])?.v
        }
        return out
    }

    /// A 6-second range ending at `end`, step 2 s: every point of every series, keyed `labels@t`.
    static func queryRange(_ base: String, _ query: String, end: Double, bearer: String?, d: TempDeployment) async throws -> [String: Double] {
        let path = "/api/v1/query_range?query=\(encode(query))&start=\(end - 6)&end=\(end)&step=2"
        let data = try await get(base, path, bearer: bearer, d: d)
        var out: [String: Double] = [:]
        for item in data["result"] as? [[String: Any]] ?? [] {
            let k = key(item["metric"] as? [String: String] ?? [:])
            for p in (item["values"] as? [[Any]] ?? []).compactMap(point) { out["\(k)@\(p.t)"] = p.v }
        }
        return out
    }

    /// Same series, values equal within 1e-9 relative (summation order may differ).
    static func same(_ a: [String: Double], _ b: [String: Double]) -> Bool {
        guard Set(a.keys) == Set(b.keys) else { return false }
        return a.allSatisfy { k, v in
            let w = b[k]!
            return v == w || abs(v - w) <= 1e-9 * max(abs(v), abs(w)) || (v.isNaN && w.isNaN)
        }
    }

    /// An instant (seconds, half-way between two collector ticks) at which both machines' raw samples of the
    /// last 14 s are the same in Prometheus and in the hub's history: Prometheus scrapes every 500 ms, so it has
    /// every 1-second sample unless the loaded machine delayed one; then an earlier instant is tried.
    static func commonInstant(prom: String, d: TempDeployment) async throws -> Double? {
        let deadline = Date().addingTimeInterval(40)
        let selector = #"{__name__=~"sms_custom_.*|sms_memory_.*|sms_cpu_.*"}[15s]"#
        while Date() < deadline {
            let now = Double(Int64(Date().timeIntervalSince1970 * 1000) - 3000) / 1000
            let theirs = try await rawSamples(prom, selector, at: now, bearer: nil, d: d)
            let ours = try await rawSamples(d.api, selector, at: now, bearer: TempDeployment.apiToken, d: d)
            // Candidate instants: 500 ms after each of alpha's cpu ticks, newest first, with 14 s of data behind.
            let ticks = (ours[#"sms_cpu_usage_percent{machine="alpha"}"#] ?? []).map(\.t).sorted(by: >)
            for tick in ticks.prefix(8) {
                let at = tick + 500
                let window = (at - 14_000)...at
                let agree = ours.count == theirs.count && ours.allSatisfy { k, points in
                    let mine = points.filter { window.contains($0.t) }
                    let other = (theirs[k] ?? []).filter { window.contains($0.t) }
                    return mine.count == other.count && zip(mine, other).allSatisfy { $0.t == $1.t }
                }
                let old = (ours[#"sms_cpu_usage_percent{machine="alpha"}"#] ?? []).contains { $0.t < at - 14_000 }
                if agree && old { return Double(at) / 1000 }
            }
            try await Task.sleep(for: .seconds(1))
        }
        return nil
    }
}
