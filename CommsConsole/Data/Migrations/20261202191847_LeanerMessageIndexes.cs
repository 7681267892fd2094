using Microsoft.EntityFrameworkCore.Migrations;

#nullable disable

namespace CommsConsole.Data.Migrations
{
    /// <inheritdoc />
    public partial class LeanerMessageIndexes : Migration
    {
        /// <inheritdoc />
        protected override void Up(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Messages_LeaseId",
                table: "Messages");

            migrationBuilder.DropIndex(
                name: "IX_Messages_Status_CreatedAt_Id",
                table: "Messages");

            migrationBuilder.DropIndex(
                name: "IX_Messages_Status_LeaseUntil",
                table: "Messages");

            migrationBuilder.DropIndex(
                name: "IX_Messages_Status_NextAttemptAt",
                table: "Messages");

            migrationBuilder.DropIndex(
                name: "IX_Messages_TenantId_Channel_CreatedAt_Id",
                table: "Messages");

            migrationBuilder.DropIndex(
                name: "IX_Messages_TenantId_Status_CreatedAt_Id",
                table: "Messages");

            migrationBuilder.DropIndex(
                name: "IX_Messages_ThirdPartyId",
                table: "Messages");

            migrationBuilder.CreateIndex(
                name: "IX_Messages_LeaseId",
                table: "Messages",
                column: "LeaseId",
                filter: "\"LeaseId\" IS NOT NULL");

            migrationBuilder.CreateIndex(
                name: "IX_Messages_Status_CreatedAt_Id_Channel",
                table: "Messages",
                columns: new[] { "Status", "CreatedAt", "Id", "Channel" });

            migrationBuilder.CreateIndex(
                name: "IX_Messages_Status_LeaseUntil",
                table: "Messages",
                columns: new[] { "Status", "LeaseUntil" },
                filter: "\"Status\" = 1");

            migrationBuilder.CreateIndex(
                name: "IX_Messages_Status_NextAttemptAt",
                table: "Messages",
                columns: new[] { "Status", "NextAttemptAt" },
                filter: "\"Status\" = 0");

            migrationBuilder.CreateIndex(
                name: "IX_Messages_TenantId_Channel_CreatedAt_Id_Status",
                table: "Messages",
                columns: new[] { "TenantId", "Channel", "CreatedAt", "Id", "Status" });

            migrationBuilder.CreateIndex(
                name: "IX_Messages_TenantId_Status_CreatedAt_Id_Channel",
                table: "Messages",
                columns: new[] { "TenantId", "Status", "CreatedAt", "Id", "Channel" });

            migrationBuilder.CreateIndex(
                name: "IX_Messages_ThirdPartyId",
                table: "Messages",
                column: "ThirdPartyId",
                filter: "\"ThirdPartyId\" IS NOT NULL");
        }

        /// <inheritdoc />
        protected override void Down(MigrationBuilder migrationBuilder)
        {
            migrationBuilder.DropIndex(
                name: "IX_Messages_LeaseId",
                table: "Messages");

            migrationBuilder.DropIndex(
                name: "IX_Messages_Status_CreatedAt_Id_Channel",
                table: "Messages");

            migrationBuilder.DropIndex(
                name: "IX_Messages_Status_LeaseUntil",
                table: "Messages");

            migrationBuilder.DropIndex(
                name: "IX_Messages_Status_NextAttemptAt",
                table: "Messages");

            migrationBuilder.DropIndex(
                name: "IX_Messages_TenantId_Channel_CreatedAt_Id_Status",
                table: "Messages");

            migrationBuilder.DropIndex(
                name: "IX_Messages_TenantId_Status_CreatedAt_Id_Channel",
                table: "Messages");

            migrationBuilder.DropIndex(
                name: "IX_Messages_ThirdPartyId",
                table: "Messages");

            migrationBuilder.CreateIndex(
                name: "IX_Messages_LeaseId",
                table: "Messages",
                column: "LeaseId");

            migrationBuilder.CreateIndex(
                name: "IX_Messages_Status_CreatedAt_Id",
                table: "Messages",
                columns: new[] { "Status", "CreatedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Messages_Status_LeaseUntil",
                table: "Messages",
                columns: new[] { "Status", "LeaseUntil" });

            migrationBuilder.CreateIndex(
                name: "IX_Messages_Status_NextAttemptAt",
                table: "Messages",
                columns: new[] { "Status", "NextAttemptAt" });

            migrationBuilder.CreateIndex(
                name: "IX_Messages_TenantId_Channel_CreatedAt_Id",
                table: "Messages",
                columns: new[] { "TenantId", "Channel", "CreatedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Messages_TenantId_Status_CreatedAt_Id",
                table: "Messages",
                columns: new[] { "TenantId", "Status", "CreatedAt", "Id" });

            migrationBuilder.CreateIndex(
                name: "IX_Messages_ThirdPartyId",
                table: "Messages",
                column: "ThirdPartyId");
        }
    }
}
