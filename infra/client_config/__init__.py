"""Client configuration for apps: `amplify_outputs.json` per interactive public app client,
from the deployed stack outputs and the validated environment config (`make client-config`)."""
