// Makes the container named by argv[2] in the Azurite at AZURITE_BLOB_STORAGE_URL, as its
// well-known development account (devstoreaccount1, the key Azurite and every Azure SDK document),
// for scripts/lib/azurite.sh. Exits 1 with the SDK's message when it cannot.
const { BlobServiceClient } = require("@azure/storage-blob");

const account = "devstoreaccount1";
const key = "Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw==";
const endpoint = `${process.env.AZURITE_BLOB_STORAGE_URL}/${account}`;
BlobServiceClient.fromConnectionString(
  `DefaultEndpointsProtocol=http;AccountName=${account};AccountKey=${key};BlobEndpoint=${endpoint};`,
)
  .getContainerClient(process.argv[2])
  .createIfNotExists()
  .then(() => process.exit(0))
  .catch((err) => {
    console.error(`making container ${process.argv[2]}: ${err.message}`);
    process.exit(1);
  });
