using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CommsConsole.Data.Migrations
{
    /// <inheritdoc />
    public partial class CampaignRecipientCount : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.AddColumn<int>(
                name: "RecipientCount",
                table: "Campaigns",
                type: "INTEGER",
                nullable: false,
                defaultValue: 0);
            // Campaigns drafted before: their pasted recipients counted as the app counts them (nulls left out).
            migrationBuilder.Sql("""UPDATE "Campaigns" SET "RecipientCount" = (SELECT COUNT(*) FROM json_each("Recipients") WHERE "value" IS NOT NULL) WHERE "Recipients" IS NOT NULL""");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropColumn(
                name: "RecipientCount",
                table: "Campaigns");
        }
    }
}
