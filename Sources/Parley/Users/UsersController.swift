import Fluent
import Vapor

struct UsersController: RouteCollection {
    func boot(routes: any RoutesBuilder) throws {
        let users = routes.grouped("api", "v1", "users")
        users.post("signup", use: signup)

        let signedIn = users.grouped(UserAuthenticator())
        signedIn.get("me", use: readMe)
        signedIn.patch("me", use: updateMe)
        signedIn.delete("me", use: deleteMe)
        signedIn.patch("me", "password", use: changePassword)
        signedIn.get(":user_id", use: read)

        let admin = signedIn.grouped(SuperuserGuard())
        admin.get(use: list)
        admin.post(use: create)
        admin.patch(":user_id", use: update)
        admin.delete(":user_id", use: delete)
    }

    @Sendable
    func signup(request: Request) async throws -> Response {
        guard request.application.parley.settings.openRegistration else {
            throw Abort(.forbidden, reason: "Open user registration is forbidden on this server")
        }
        let input = try request.decodeJSON(UserCreateRequest.self)
        let user = try await request.application.parley.users.create(input, allowPrivileges: false, on: request.db)
        return try await UserPublic(user).encodeResponse(status: .created, for: request)
    }

    @Sendable
    func readMe(request: Request) async throws -> UserPublic {
        try UserPublic(request.requireUser())
    }

    @Sendable
    func updateMe(request: Request) async throws -> UserPublic {
        let user = try request.requireUser()
        let input = try request.decodeJSON(UserUpdateRequest.self)
        try await request.application.parley.users.update(user, with: input, asSuperuser: false, on: request.db)
        return try UserPublic(user)
    }

    @Sendable
    func changePassword(request: Request) async throws -> MessageResponse {
        let input = try request.decodeJSON(PasswordChangeRequest.self)
        try await request.application.parley.users.changePassword(
            of: request.requireUser(), current: input.currentPassword, new: input.newPassword, on: request.db)
        return MessageResponse(message: "Password updated successfully")
    }

    @Sendable
    func deleteMe(request: Request) async throws -> HTTPStatus {
        let user = try request.requireUser()
        guard !user.isSuperuser else {
            throw Abort(.forbidden, reason: "Super users are not allowed to delete themselves")
        }
        try await user.delete(on: request.db)
        return .noContent
    }

    @Sendable
    func list(request: Request) async throws -> PagedList<UserPublic> {
        let page = try request.page()
        let total = try await User.query(on: request.db).count()
        let users = try await User.query(on: request.db)
            .sort(\.$createdAt).sort(\.$id)
            .range(page.skip..<(page.skip + page.limit)).all()
        return PagedList(items: try users.map(UserPublic.init), total: total)
    }

    @Sendable
    func create(request: Request) async throws -> Response {
        let input = try request.decodeJSON(UserCreateRequest.self)
        let user = try await request.application.parley.users.create(input, allowPrivileges: true, on: request.db)
        return try await UserPublic(user).encodeResponse(status: .created, for: request)
    }

    /// Anyone may read their own record; other records only a superuser.
    @Sendable
    func read(request: Request) async throws -> UserPublic {
        let me = try request.requireUser()
        let id = try request.uuidParameter("user_id")
        if id == me.id { return try UserPublic(me) }
        guard me.isSuperuser else { throw Abort.notEnoughPrivileges }
        return try UserPublic(try await findUser(id, on: request.db))
    }

    @Sendable
    func update(request: Request) async throws -> UserPublic {
        let user = try await findUser(request.uuidParameter("user_id"), on: request.db)
        let input = try request.decodeJSON(UserUpdateRequest.self)
        try await request.application.parley.users.update(user, with: input, asSuperuser: true, on: request.db)
        return try UserPublic(user)
    }

    @Sendable
    func delete(request: Request) async throws -> HTTPStatus {
        let user = try await findUser(request.uuidParameter("user_id"), on: request.db)
        if user.id == request.currentUser?.id {
            throw Abort(.forbidden, reason: "Super users are not allowed to delete themselves")
        }
        try await user.delete(on: request.db)
        return .noContent
    }

    private func findUser(_ id: UUID, on db: any Database) async throws -> User {
        guard let user = try await User.find(id, on: db) else { throw Abort.resourceNotFound }
        return user
    }
}
