"""Intake's services: ratings, complaints and touchpoints with their QR codes and posters."""
