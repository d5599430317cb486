import Foundation
import Hummingbird
import SMSCore
import Spec

/// `GET /api/acks`, `POST /api/acks` (`{machine, rule, series?, comment?}`) and `DELETE /api/acks/{id}`: the
/// acknowledgements in the same `silences.json` as `smsctl ack`, which the alerts role re-reads. Only a firing
/// alert can be acknowledged (409 otherwise). Writes need the admin role (the login gate checks it first).
struct AcknowledgementsController: Sendable {
    let store: SilenceStore?
    let source: (any AlertStatusSource)?
    let auth: Authenticator

    struct NewAcknowledgement: Decodable {
        var machine: String
        var rule: String
        var series: String?
        var comment: String?
    }

    struct AcknowledgementList: Encodable {
        var acknowledgements: [Acknowledgement]
    }

    func addRoutes(to api: RouterGroup<GatewayRequestContext>) {
        api.get("acks", use: list)
        api.post("acks", use: add)
        api.delete("acks/:id", use: remove)
    }

    @Sendable func list(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let store = try requireStore()
        let all = try SilenceStore.answering { try store.read().acks }
        return try JSONResponse.make(AcknowledgementList(acknowledgements: all))
    }

    @Sendable func add(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let store = try requireStore()
        let body = try await Self.decode(request)
        let comment = (body.comment ?? "").trimmingCharacters(in: .whitespacesAndNewlines)
        guard comment.count <= 500 else { throw APIError.badRequest("comment: at most 500 characters") }
        let active = await source?.active() ?? []
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let user = auth.identify(HTTPFieldsView(request.headers))?.user
        let ack: Acknowledgement
        switch Acknowledgement.of(
            active, machine: body.machine, rule: body.rule, series: body.series, atMs: now, by: user, comment: comment)
        {
        case .success(let made): ack = made
        case .failure(.notFiring(let text)): throw APIError(status: .conflict, message: text)
        case .failure(.ambiguous(let text)): throw APIError.badRequest(text)
        }
        try SilenceStore.answering {
            try store.modify(nowMs: now) { contents in
                contents.acknowledgements = Acknowledgement.current(contents.acks, active: active) + [ack]
            }
        }
        return try JSONResponse.make(ack, status: .created)
    }

    @Sendable func remove(_ request: Request, context: GatewayRequestContext) async throws -> Response {
        let store = try requireStore()
        let id = try context.parameters.require("id")
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        let removed = try SilenceStore.answering {
            try store.modify(nowMs: now) { contents -> Bool in
                let before = contents.acks.count
                contents.acknowledgements = contents.acks.filter { $0.id != id }
                return contents.acks.count < before
            }
        }
        guard removed else { throw APIError.notFound("no acknowledgement \"\(id.prefix(64))\"") }
        return try JSONResponse.make(["ok": true])
    }

    func requireStore() throws -> SilenceStore {
        guard let store else { throw APIError.notFound("this gateway keeps no acknowledgements (no state directory)") }
        return store
    }

    static func decode(_ request: Request) async throws -> NewAcknowledgement {
        let buffer = try await request.body.collect(upTo: 8192)
        do {
            return try JSONDecoder().decode(NewAcknowledgement.self, from: Data(buffer.readableBytesView))
        } catch {
            throw APIError.badRequest("expected a JSON body {\"machine\": …, \"rule\": …, \"series\"?, \"comment\"?}")
        }
    }
}
