using Microsoft.EntityFrameworkCore;

namespace CommsConsole.Data;

/// <summary>
/// <see cref="AppDbContext"/> on PostgreSQL. The model is the same; the type exists so that EF Core keeps a second
/// migrations set (Data/Postgres/Migrations) beside the SQLite one. Services never see it: they ask for AppDbContext.
/// </summary>
public sealed class PostgresAppDbContext(DbContextOptions<PostgresAppDbContext> options) : AppDbContext(options);
