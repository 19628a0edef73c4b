using Rewind.Tests.Authoring;
using Rewind.Tests.Support;

namespace Rewind.Tests.Postgres;

/// <summary>The <c>bundle make</c> property on PostgreSQL alone.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresBundleMakePropertyTests(PostgresServerFixture server) : BundleMakePropertyTests(new PostgresProvider(server), new PostgresProvider(server));

/// <summary>The property across engines: a SQLite source, a PostgreSQL target.</summary>
[Collection(PostgresCollection.Name)]
public sealed class SqliteToPostgresBundleMakePropertyTests(PostgresServerFixture server) : BundleMakePropertyTests(new SqliteProvider(), new PostgresProvider(server));

/// <summary>The property across engines: a PostgreSQL source, a SQLite target.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresToSqliteBundleMakePropertyTests(PostgresServerFixture server) : BundleMakePropertyTests(new PostgresProvider(server), new SqliteProvider());

/// <summary>The <c>bundle make</c> examples on PostgreSQL.</summary>
[Collection(PostgresCollection.Name)]
public sealed class PostgresBundleMakeContractTests(PostgresServerFixture server) : BundleMakeContractTests(new PostgresProvider(server));
