import Connectors
