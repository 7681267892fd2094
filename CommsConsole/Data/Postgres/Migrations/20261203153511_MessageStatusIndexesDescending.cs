using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CommsConsole.Data.Postgres.Migrations
{
    /// <inheritdoc />
    public partial class MessageStatusIndexesDescending : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Messages_Status_CreatedAt_Id_Channel",
                table: "Messages");

            migrationBuilder.DropIndex(
                name: "IX_Messages_TenantId_Status_CreatedAt_Id_Channel",
                table: "Messages");

            migrationBuilder.CreateIndex(
                name: "IX_Messages_Status_CreatedAt_Id_Channel",
                table: "Messages",
                columns: new[] { "Status", "CreatedAt", "Id", "Channel" },
                descending: new[] { true, false, false, false });

            migrationBuilder.CreateIndex(
                name: "IX_Messages_TenantId_Status_CreatedAt_Id_Channel",
                table: "Messages",
                columns: new[] { "TenantId", "Status", "CreatedAt", "Id", "Channel" },
                descending: new[] { false, true, false, false, false });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Messages_Status_CreatedAt_Id_Channel",
                table: "Messages");

            migrationBuilder.DropIndex(
                name: "IX_Messages_TenantId_Status_CreatedAt_Id_Channel",
                table: "Messages");

            migrationBuilder.CreateIndex(
                name: "IX_Messages_Status_CreatedAt_Id_Channel",
                table: "Messages",
                columns: new[] { "Status", "CreatedAt", "Id", "Channel" });

            migrationBuilder.CreateIndex(
                name: "IX_Messages_TenantId_Status_CreatedAt_Id_Channel",
                table: "Messages",
                columns: new[] { "TenantId", "Status", "CreatedAt", "Id", "Channel" });
        }
    }
}
