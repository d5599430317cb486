import Foundation
import Hummingbird
import SMSCore
import Spec

/// `GET /api/silences`, `POST /api/silences` (`{machine?, rule?, for: "2h", reason}`) and
/// `DELETE /api/silences/{id}`: the same `silences.json` as `smsctl silence`, which the alerts role re-reads.
/// Writes need the admin role (the login gate checks it before these handlers run).
struct SilencesController: Sendable {
    let store: SilenceStore?
    let spec: any SpecProvider
    let auth: Authenticator

    struct NewSilence: Decodable {
        var machine: String?
        var rule: String?
        var `for`: String
        var reason: String
    }

    struct SilenceList: Encodable {
        var silences: [Silence]
    }

    func addRoutes(to api: RouterGroup<GatewayRequestContext>) {
        api.get("silences", use: list)
        api.post("silences", use: add)
        api.delete("silences/:id", use: remove)
    }

    @Sendable func list(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let store = try requireStore()
        return try JSONResponse.make(SilenceList(silences: try SilenceStore.answering { try store.load() }))
    }

    @Sendable func add(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let store = try requireStore()
        let body = try await Self.decode(request)
        guard body.machine != nil || body.rule != nil else {
            throw APIError.badRequest("give machine and/or rule; a silence of everything is too easy to forget")
        }
        guard let length = SpecDuration(parsing: body.for), length > .zero, length <= .days(30) else {
            throw APIError.badRequest("for: expected a duration from 1s to 30d such as 30m or 2h, got \"\(body.for.prefix(40))\"")
        }
        let reason = body.reason.trimmingCharacters(in: .whitespacesAndNewlines)
        guard !reason.isEmpty, reason.count <= 500 else { throw APIError.badRequest("reason: say why, in 1–500 characters") }
        let current = spec.current().spec
        if let machine = body.machine, current.machine(machine) == nil {
            throw APIError.badRequest("machine: no machine \"\(machine.prefix(64))\" in the spec")
        }
        if let rule = body.rule, !current.alerts.contains(where: { $0.name == rule }) {
            throw APIError.badRequest("rule: no alert rule \"\(rule.prefix(64))\" in the spec")
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let user = auth.identify(HTTPFieldsView(request.headers))?.user
        let silence = Silence(
            machine: body.machine, rule: body.rule, startsMs: now, endsMs: now + length.milliseconds, reason: reason,
            createdBy: user)
        try SilenceStore.answering { try store.update(nowMs: now) { $0.append(silence) } }
        return try JSONResponse.make(silence, status: .created)
    }

    @Sendable func remove(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let store = try requireStore()
        let id = try context.parameters.require("id")
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let removed = try SilenceStore.answering {
            try store.update(nowMs: now) { silences -> Bool in
                let before = silences.count
                silences.removeAll { $0.id == id }
                return silences.count < before
            }
        }
        guard removed else { throw APIError.notFound("no silence \"\(id.prefix(64))\"") }
        return try JSONResponse.make(["ok": true])
    }

    func requireStore() throws -> SilenceStore {
        guard let store else { throw APIError.notFound("this gateway keeps no silences (no state directory)") }
        return store
    }

    static func decode(_ request: Request) async throws -> NewSilence {
        let buffer = try await request.body.collect(upTo: 8192)
        do {
            return try JSONDecoder().decode(NewSilence.self, from: Data(buffer.readableBytesView))
        } catch {
            throw APIError.badRequest("expected a JSON body {\"machine\"?, \"rule\"?, \"for\": \"2h\", \"reason\": …}")
        }
    }
}

extension SilenceStore {
    /// Runs a file operation of an API handler; its error (already a sentence with the path) becomes a 500 body.
    static func answering<T>(_ body: () throws -> T) throws -> T {
        do { return try body() } catch {
            throw APIError(status: .internalServerError, message: "\(error)")
        }
    }
}
