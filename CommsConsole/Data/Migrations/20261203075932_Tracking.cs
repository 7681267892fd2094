using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CommsConsole.Data.Migrations
{
    /// <inheritdoc />
    public partial class Tracking : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "MarketingEmailTrackingOff",
                table: "TenantPolicies",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.AddColumn<bool>(
                name: "TransactionalEmailTrackingOn",
                table: "TenantPolicies",
                type: "INTEGER",
                nullable: false,
                defaultValue: false);

            migrationBuilder.CreateTable(
                name: "MessageEvents",
                columns: table => new
                {
                    Id = table.Column<long>(type: "INTEGER", nullable: false)
                        .Annotation("Sqlite:Autoincrement", true),
                    TenantId = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    MessageId = table.Column<long>(type: "INTEGER", nullable: false),
                    BatchId = table.Column<long>(type: "INTEGER", nullable: false),
                    Kind = table.Column<int>(type: "INTEGER", nullable: false),
                    LinkPosition = table.Column<int>(type: "INTEGER", nullable: true),
                    Url = table.Column<string>(type: "TEXT", maxLength: 2048, nullable: true),
                    At = table.Column<long>(type: "INTEGER", nullable: false),
                    Automated = table.Column<bool>(type: "INTEGER", nullable: false),
                    UserAgent = table.Column<string>(type: "TEXT", maxLength: 256, nullable: true)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_MessageEvents", x => x.Id);
                });

            migrationBuilder.CreateIndex(
                name: "IX_MessageEvents_BatchId_Kind_Automated_MessageId",
                table: "MessageEvents",
                columns: new[] { "BatchId", "Kind", "Automated", "MessageId" });

            migrationBuilder.CreateIndex(
                name: "IX_MessageEvents_MessageId_At",
                table: "MessageEvents",
                columns: new[] { "MessageId", "At" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "MessageEvents");

            migrationBuilder.DropColumn(
                name: "MarketingEmailTrackingOff",
                table: "TenantPolicies");

            migrationBuilder.DropColumn(
                name: "TransactionalEmailTrackingOn",
                table: "TenantPolicies");
        }
    }
}
