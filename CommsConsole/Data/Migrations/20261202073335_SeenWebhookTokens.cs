using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CommsConsole.Data.Migrations
{
    /// <inheritdoc />
    public partial class SeenWebhookTokens : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.CreateTable(
                name: "SeenWebhookTokens",
                columns: table => new
                {
                    Scope = table.Column<string>(type: "TEXT", maxLength: 32, nullable: false),
                    Token = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    EventHash = table.Column<string>(type: "TEXT", maxLength: 64, nullable: false),
                    SeenAt = table.Column<long>(type: "INTEGER", nullable: false)
                },
                constraints: table =>
                {
                    table.PrimaryKey("PK_SeenWebhookTokens", x => new { x.Scope, x.Token });
                });

            migrationBuilder.CreateIndex(
                name: "IX_SeenWebhookTokens_SeenAt",
                table: "SeenWebhookTokens",
                column: "SeenAt");

            // Verification codes are counted on their one canonical bizType from now on; earlier codes spelt otherwise
            // (Verify_Code, " verify_code") are brought to it so that the caps count them too.
            migrationBuilder.Sql("""UPDATE "Messages" SET "BizType" = 'verify_code' WHERE lower(trim("BizType")) = 'verify_code' AND "BizType" <> 'verify_code'""");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropTable(
                name: "SeenWebhookTokens");
        }
    }
}
