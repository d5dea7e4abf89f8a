import SQLKit
import Vapor

struct UsersController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let users = routes.grouped("api", "v1", "users")
        users.post("signup", use: signup)

        let signedIn = users.grouped(UserAuthenticator())
        signedIn.get("me", use: readMe)
        signedIn.patch("me", use: updateMe)
        signedIn.delete("me", use: deleteMe)
        signedIn.grouped(TokenOnlyGuard()).patch("me", "password", use: changePassword)
        signedIn.get(":user_id", use: read)

        let admin = signedIn.grouped(SuperuserGuard())
        admin.get(use: list)
        admin.post(use: create)
        admin.patch(":user_id", use: update)
        admin.delete(":user_id", use: delete)
    }

    @Sendable
    func signup(request: Request) async throws -> Response {
        let parley = request.application.parley
        guard parley.settings.openRegistration else {
            throw Abort(.forbidden, reason: "Open user registration is forbidden on this server")
        }
        if let address = request.clientAddress,
           let wait = await parley.signupLimiter.acquire(["signup:" + ClientAddress.limitKey(address)]) {
            throw Abort.tooManyRequests(retryAfter: wait, "Too many sign-ups from this address")
        }
        let input = try request.decodeJSON(UserCreateRequest.self)
        let user = try await parley.users.create(input, allowPrivileges: false, auditor: request.auditor, on: request.sql)
        return try await UserPublic(user).encodeResponse(status: .created, for: request)
    }

    @Sendable
    func readMe(request: Request) async throws -> UserPublic {
        let user = try request.requireUser()
        let used = try await UsageStore.tokens(of: user.id, in: UsageStore.month(of: Date()), on: request.sql)
        return UserPublic(user, tokensUsedThisMonth: used)
    }

    @Sendable
    func updateMe(request: Request) async throws -> UserPublic {
        let input = try request.decodeJSON(UserUpdateRequest.self)
        if input.email != nil { try request.requireToken() }
        let parley = request.application.parley
        return UserPublic(try await parley.users.update(
            request.requireUser(), with: input, asSuperuser: false, auditor: request.auditor, writer: parley.writer, on: request.db))
    }

    @Sendable
    func changePassword(request: Request) async throws -> MessageResponse {
        let input = try request.decodeJSON(PasswordChangeRequest.self)
        try await request.application.parley.users.changePassword(
            of: request.requireUser(), current: input.currentPassword, new: input.newPassword, auditor: request.auditor, on: request.sql)
        return MessageResponse(message: "Password updated successfully")
    }

    @Sendable
    func deleteMe(request: Request) async throws -> HTTPStatus {
        let user = try request.requireUser()
        guard !user.isSuperuser else {
            throw Abort(.forbidden, reason: "Super users are not allowed to delete themselves")
        }
        try await AuditStore.recording([request.audit("user.delete", target: user.id.lowercasedString)], on: request.sql) {
            try await UserStore.delete(id: user.id, on: $0)
        }
        return .noContent
    }

    @Sendable
    func list(request: Request) async throws -> PagedList<UserPublic> {
        let page = try request.page()
        let total = try await UserStore.count(on: request.sql)
        let users = try await UserStore.page(skip: page.skip, limit: page.limit, on: request.sql)
        return PagedList(items: users.map { UserPublic($0) }, total: total)
    }

    @Sendable
    func create(request: Request) async throws -> Response {
        let input = try request.decodeJSON(UserCreateRequest.self)
        let user = try await request.application.parley.users.create(input, allowPrivileges: true, auditor: request.auditor, on: request.sql)
        return try await UserPublic(user).encodeResponse(status: .created, for: request)
    }

    /// Anyone may read their own record; other records only a superuser.
    @Sendable
    func read(request: Request) async throws -> UserPublic {
        let me = try request.requireUser()
        let id = try request.uuidParameter("user_id")
        if id == me.id { return UserPublic(me) }
        guard me.isSuperuser else { throw Abort.notEnoughPrivileges }
        return UserPublic(try await findUser(id, on: request.sql))
    }

    @Sendable
    func update(request: Request) async throws -> UserPublic {
        let user = try await findUser(request.uuidParameter("user_id"), on: request.sql)
        let input = try request.decodeJSON(UserUpdateRequest.self)
        if input.email != nil || input.password != nil { try request.requireToken() }
        let parley = request.application.parley
        return UserPublic(try await parley.users.update(
            user, with: input, asSuperuser: true, auditor: request.auditor, writer: parley.writer, on: request.db))
    }

    @Sendable
    func delete(request: Request) async throws -> HTTPStatus {
        let user = try await findUser(request.uuidParameter("user_id"), on: request.sql)
        if user.id == request.currentUser?.id {
            throw Abort(.forbidden, reason: "Super users are not allowed to delete themselves")
        }
        try await AuditStore.recording([request.audit("user.delete", target: user.id.lowercasedString)], on: request.sql) {
            try await UserStore.delete(id: user.id, on: $0)
        }
        return .noContent
    }

    private func findUser(_ id: UUID, on db: any SQLDatabase) async throws -> UserRow {
        guard let user = try await UserStore.find(id: id, on: db) else { throw Abort.resourceNotFound }
        return user
    }
}
