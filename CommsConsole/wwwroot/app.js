// Saves a file the server produced (log exports) without leaving the page.
window.commsConsole = {
    downloadFile: async (fileName, contentStreamReference) => {
        const arrayBuffer = await contentStreamReference.arrayBuffer();
        const blob = new Blob([arrayBuffer], { type: "text/csv" });
        const url = URL.createObjectURL(blob);
        const anchor = document.createElement("a");
        anchor.href = url;
        anchor.download = fileName ?? "export.csv";
        anchor.click();
        anchor.remove();
        URL.revokeObjectURL(url);
    }
};
