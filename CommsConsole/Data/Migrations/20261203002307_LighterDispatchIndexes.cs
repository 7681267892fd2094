using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CommsConsole.Data.Migrations
{
    /// <inheritdoc />
    public partial class LighterDispatchIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Messages_BatchId_Status",
                table: "Messages");

            migrationBuilder.DropIndex(
                name: "IX_Messages_LeaseId",
                table: "Messages");

            migrationBuilder.CreateIndex(
                name: "IX_Messages_BatchId_CreatedAt_Id",
                table: "Messages",
                columns: new[] { "BatchId", "CreatedAt", "Id" });
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Messages_BatchId_CreatedAt_Id",
                table: "Messages");

            migrationBuilder.CreateIndex(
                name: "IX_Messages_BatchId_Status",
                table: "Messages",
                columns: new[] { "BatchId", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_Messages_LeaseId",
                table: "Messages",
                column: "LeaseId",
                filter: "\"LeaseId\" IS NOT NULL");
        }
    }
}
