using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CommsConsole.Data.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class MessageIsHtml : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<bool>(
                name: "IsHtml",
                table: "Messages",
                type: "boolean",
                nullable: false,
                defaultValue: false);

            // Emails written before the type was kept and not yet sent have no template to decide it from: they keep
            // the type their text suggests, as they would have been sent before.
            migrationBuilder.Sql("""UPDATE "Messages" SET "IsHtml" = TRUE WHERE "Channel" = 1 AND "Status" IN (0, 1) AND ("Content" LIKE '%</%' OR "Content" LIKE '%<br%')""");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "IsHtml",
                table: "Messages");
        }
    }
}
