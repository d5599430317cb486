import SMSCore
import Foundation
import Hummingbird

/// An error a client caused or should know about, answered as `{"error": "message"}` with its status.
struct APIError: Error, Sendable {
    let status: HTTPResponse.Status
    let message: String

    static func badRequest(_ message: String) -> APIError { APIError(status: .badRequest, message: message) }
    static func notFound(_ message: String) -> APIError { APIError(status: .notFound, message: message) }
}

/// Turns every error (ours, Hummingbird's 404s, unexpected ones) into a JSON body, so API clients never get HTML.
struct JSONErrorMiddleware<Context: RequestContext>: RouterMiddleware {
    func handle(
        _ request: Request, context: Context, next: (Request, Context) async throws -> Response
    ) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let error as APIError {
            return Self.response(error.status, error.message)
        } catch let error as HTTPResponseError {
            let message = (error as? HTTPError)?.body ?? Self.defaultMessage(error.status, request)
            return Self.response(error.status, message)
        } catch {
            context.logger.error("request failed", metadata: ["path": "\(request.uri.path)", "error": "\(error)"])
            return Self.response(.internalServerError, "internal error: \(error)")
        }
    }

    static func defaultMessage(_ status: HTTPResponse.Status, _ request: Request) -> String {
        switch status {
        case .notFound: "no such path: \(request.uri.path)"
        case .methodNotAllowed: "method \(request.method) not allowed on \(request.uri.path)"
        default: status.reasonPhrase.lowercased()
        }
    }

    static func response(_ status: HTTPResponse.Status, _ message: String) -> Response {
        let data = (try? JSONEncoder().encode(["error": message])) ?? Data("{\"error\":\"error\"}".utf8)
        return Response(
            status: status, headers: [.contentType: "application/json; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
